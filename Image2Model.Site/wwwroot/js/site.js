// Progressive enhancement only: every page works without this file.
(function () {
  "use strict";

  // Upload progress: htmx reports XHR upload progress on the form that made the request.
  document.addEventListener("htmx:xhr:progress", function (event) {
    var form = event.target.closest && event.target.closest("form");
    var bar = form && form.querySelector(".upload-progress");
    if (!bar || !event.detail.lengthComputable) return;
    bar.hidden = false;
    bar.value = Math.round((event.detail.loaded / event.detail.total) * 100);
    var label = form.querySelector(".upload-progress-label");
    if (label) {
      label.hidden = false;
      label.textContent = bar.value < 100 ? "Uploading… " + bar.value + "%" : "Checking your photos…";
    }
  });

  // htmx does not swap error answers, so say what happened next to the progress bar.
  function explainFailure(event, text) {
    var form = event.target.closest && event.target.closest("form");
    var label = form && form.querySelector(".upload-progress-label");
    if (!label) return;
    label.hidden = false;
    label.classList.add("field-error");
    label.textContent = text;
  }

  document.addEventListener("htmx:responseError", function (event) {
    var status = event.detail.xhr.status;
    explainFailure(event,
      status === 429 ? "Too many uploads in a short time. Please wait a minute and try again." :
      status === 413 ? "That upload is too large in total. Try fewer or smaller files." :
      "The upload did not go through (error " + status + "). Please try again.");
  });

  document.addEventListener("htmx:sendError", function (event) {
    explainFailure(event, "The upload could not reach the server. Check your connection and try again.");
  });

  // Live status (the batch page): the fragment replaces itself while work is active, so it asks
  // again only when an answer is swapped in. htmx does not swap error answers: one 429, 500,
  // timeout or restart would stop the updates until a reload. Instead, say so and ask again
  // with growing pauses; the first good answer replaces the fragment and everything goes on.
  var reconnectSeconds = [1, 2, 4, 8, 15];
  var reloading = false;

  function isLive(elt) {
    return !!(elt && elt.hasAttribute && elt.hasAttribute("data-live"));
  }

  document.addEventListener("htmx:beforeSwap", function (event) {
    var elt = event.detail.elt;
    var xhr = event.detail.xhr;
    if (!isLive(elt)) return;
    // Redirected (signed out in another tab, or the session ended): the answer is another whole
    // page, the sign-in form most likely. Load the page again rather than nest that one inside it.
    if (xhr.responseURL && new URL(xhr.responseURL).pathname !== new URL(elt.getAttribute("hx-get"), location.href).pathname) {
      event.detail.shouldSwap = false;
      // Once: a second poll redirected while the first reload is under way would load the sign-in
      // page a second time, over a form the user may already be filling in.
      if (!reloading) {
        reloading = true;
        window.location.reload();
      }
      return;
    }
    // A 404 fragment means the thing is gone (deleted in another tab): show it; it has no trigger, so polling ends.
    if (xhr.status === 404) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  function reconnect(event) {
    var elt = event.detail.elt;
    if (!isLive(elt) || !elt.isConnected) return;
    var failures = (Number(elt.getAttribute("data-failures")) || 0) + 1;
    elt.setAttribute("data-failures", String(failures));
    var note = elt.querySelector(".reconnecting");
    if (!note) {
      note = document.createElement("p");
      note.className = "reconnecting muted";
      note.setAttribute("role", "status");
      elt.insertBefore(note, elt.firstChild);
    }
    note.textContent = "Lost touch with the server, reconnecting…";

    var seconds = reconnectSeconds[Math.min(failures, reconnectSeconds.length) - 1];
    var retryAfter = Number(event.detail.xhr && event.detail.xhr.getResponseHeader("Retry-After"));
    if (retryAfter > seconds) seconds = Math.min(retryAfter, 60);
    // Spread out, so that many open pages do not all come back at the same instant after a restart.
    var wait = seconds * 1000 * (0.8 + Math.random() * 0.4);
    setTimeout(function () {
      if (!elt.isConnected) return;
      // A failure is handled by the events above; the promise's rejection says nothing new.
      htmx.ajax("GET", elt.getAttribute("hx-get"), { source: elt, target: elt, swap: "outerHTML" }).catch(function () {});
    }, wait);
  }

  document.addEventListener("htmx:responseError", reconnect);
  document.addEventListener("htmx:sendError", reconnect);
  document.addEventListener("htmx:timeout", reconnect);

  // Face limit: the number box only matters when "Custom" is picked.
  function syncFaceLimit(root) {
    root.querySelectorAll("[data-face-preset]").forEach(function (select) {
      var custom = document.getElementById(select.getAttribute("data-face-preset"));
      if (!custom || select.dataset.enhanced) return;
      select.dataset.enhanced = "1";
      var update = function () {
        custom.closest(".field").hidden = select.value !== "custom";
      };
      select.addEventListener("change", update);
      update();
    });
  }

  // Show the list of chosen files before uploading.
  function listChosenFiles(root) {
    root.querySelectorAll("input[type=file][data-file-list]").forEach(function (input) {
      var list = document.getElementById(input.getAttribute("data-file-list"));
      if (!list || input.dataset.enhanced) return;
      input.dataset.enhanced = "1";
      input.addEventListener("change", function () {
        list.querySelectorAll("img").forEach(function (img) { URL.revokeObjectURL(img.src); });
        list.replaceChildren();
        Array.prototype.forEach.call(input.files, function (file) {
          var item = document.createElement("li");
          if (/^image\/(jpeg|png)$/.test(file.type)) {
            var preview = document.createElement("img");
            preview.alt = "";
            preview.src = URL.createObjectURL(file);
            item.appendChild(preview);
          }
          item.appendChild(document.createTextNode(file.name + " (" + (file.size / 1048576).toFixed(1) + " MB)"));
          list.appendChild(item);
        });
      });
    });
  }

  // Photos dropped anywhere on the drop zone go into its file input.
  function acceptDrops(root) {
    root.querySelectorAll(".dropzone").forEach(function (zone) {
      var input = zone.querySelector("input[type=file]");
      if (!input || zone.dataset.enhanced) return;
      zone.dataset.enhanced = "1";
      zone.addEventListener("dragover", function (event) {
        event.preventDefault();
        zone.classList.add("dragging");
      });
      zone.addEventListener("dragleave", function () { zone.classList.remove("dragging"); });
      zone.addEventListener("drop", function (event) {
        event.preventDefault();
        zone.classList.remove("dragging");
        input.files = event.dataTransfer.files;
        input.dispatchEvent(new Event("change"));
      });
    });
  }

  function enhance(root) {
    syncFaceLimit(root);
    listChosenFiles(root);
    acceptDrops(root);
  }

  document.addEventListener("DOMContentLoaded", function () { enhance(document); });
  document.addEventListener("htmx:load", function (event) { enhance(event.target); });
})();
