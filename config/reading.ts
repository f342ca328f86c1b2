// How the config edge reads a stack's values, shared by config/stack.ts and
// the parsers it calls. Pure.

/** Reads one key of the stack's config as the Pulumi SDK gives it: text, or JSON text for structured values. */
export type ConfigReader = (key: string) => string | undefined;

/** Whether a key's value is a secret (`pulumi config set --secret`), when the reader can tell. */
export type SecretTeller = (key: string) => boolean;

/**
 * What an offline run (no Pulumi CLI, no decryption) reads for a secret
 * value of a stack file. Its format cannot be checked; that it is a secret can.
 */
export const UNDECRYPTED_SECRET = "[secret]";
