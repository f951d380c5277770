/** The reason `npm start` must build first, or undefined when the build is newer than every source. */
export function staleReason(dir?: string): string | undefined
