using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Image2Model.Site.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class FairClaims : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateIndex(
                name: "IX_Conversions_Running",
                table: "Conversions",
                columns: new[] { "LeaseExpiresAt", "OwnerId" },
                filter: "\"State\" = 'Running'");

            migrationBuilder.CreateIndex(
                name: "IX_Conversions_State_OwnerId_CreatedAt",
                table: "Conversions",
                columns: new[] { "State", "OwnerId", "CreatedAt" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_Conversions_Running",
                table: "Conversions");

            migrationBuilder.DropIndex(
                name: "IX_Conversions_State_OwnerId_CreatedAt",
                table: "Conversions");
        }
    }
}
