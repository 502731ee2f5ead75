// Jest runs TypeScript through SWC. @noble/* v2 ships ESM only, so it is transformed too
// (Node >= 22 can `require()` it natively, jest's module system cannot).
const transform = {
  "^.+\\.(t|j)sx?$": ["@swc/jest", { jsc: { target: "es2022" }, module: { type: "commonjs" } }],
};
const transformIgnorePatterns = ["/node_modules/(?!@noble/)"];
const common = { transform, transformIgnorePatterns, testEnvironment: "node" };

/** @type {import('jest').Config} */
module.exports = {
  // Longest first by committed durations when jest has no cache of its own (a fresh clone, CI).
  testSequencer: "<rootDir>/test/support/test-sequencer.js",
  projects: [
    { ...common, displayName: "unit", testMatch: ["<rootDir>/test/unit/**/*.test.ts"] },
    { ...common, displayName: "emulator", testMatch: ["<rootDir>/test/emulator/**/*.test.ts"] },
    { ...common, displayName: "registry", testMatch: ["<rootDir>/test/registry/**/*.test.ts"] },
    { ...common, displayName: "chain", testMatch: ["<rootDir>/test/chain/**/*.test.ts"] },
    { ...common, displayName: "e2e", testMatch: ["<rootDir>/test/e2e/**/*.test.ts"] },
  ],
};
