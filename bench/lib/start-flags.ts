// The node flags of the shipped start command, so benchmarks start processes the same way.
export const START_FLAGS: string[] = []
