// `dr-drill/config` for CommonJS projects; types in index.d.cts.
/* global exports */
exports.defineConfig = (config) => config;
