using Image2Model.Site.Conversions;
using SharpGLTF.Schema2;
using SharpGLTF.Validation;

namespace Image2Model.Site.Generators.Remote;

internal static class GlbModel
{
    /// <summary>Counts the triangles of every mesh; throws a final error when the bytes are no GLB.</summary>
    public static int CountTriangles(byte[] glb)
    {
        try
        {
            var model = ModelRoot.ParseGLB(glb, new ReadSettings { Validation = ValidationMode.TryFix });
            return model.LogicalMeshes
                .SelectMany(mesh => mesh.Primitives)
                .Sum(primitive => primitive.GetTriangleIndices().Count());
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            throw new GenerationFailedException("The provider returned a file that is not a valid GLB model.", ex);
        }
    }
}
