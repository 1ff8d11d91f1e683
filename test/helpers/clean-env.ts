/**
 * Loaded by mocha before any suite (.mocharc.json "require"): the tests compare tsns with lsns byte for
 * byte and check colour on and off, so colour settings a CI runner exports must not reach them. The
 * tests that exercise NO_COLOR and FORCE_COLOR set them per command.
 */
for (const name of ['NO_COLOR', 'FORCE_COLOR', 'LIBSMARTCOLS_DEBUG', 'LIBSMARTCOLS_JSON', 'LSNS_DEBUG']) delete process.env[name];
