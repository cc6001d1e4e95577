// model-viewer reads these when its script loads; without them it fetches its Draco, KTX2 and
// meshopt decoders from public CDNs. The site serves its own copies, built from npm packages
// (see build.mjs), so compressed models from providers show up with no third party involved.
(function () {
  "use strict";
  self.ModelViewerElement = Object.assign(self.ModelViewerElement || {}, {
    dracoDecoderLocation: new URL("/lib/draco/", location.href).href,
    ktx2TranscoderLocation: new URL("/lib/basis/", location.href).href,
    meshoptDecoderLocation: new URL("/lib/meshoptimizer/meshopt_decoder.js", location.href).href,
  });
})();
