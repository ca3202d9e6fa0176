/** A failure the user can fix: printed as one line on stderr (no stack), exit 1. */
export class CliError extends Error {}

/** A start-up failure the user can fix. */
export class StartError extends CliError {}
