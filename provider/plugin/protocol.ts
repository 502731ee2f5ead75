/**
 * What the classes bound to the plugin (provider/sdk) and the plugin agree on beyond the schema.
 * No imports: the plugin process and the program both load it.
 */

/**
 * RegistryCredential input by which the TypeScript class tells the plugin that the program
 * renders the credential itself, so no rendering is among the outputs (the Node.js SDK logs
 * every engine answer at debug level, secret values in clear). Keys starting with `__` are never
 * displayed. Programs in other languages leave it out and get the renderings as secret outputs.
 */
export const PROGRAM_RENDERS = "__programRenders";
