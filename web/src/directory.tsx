import { createContext, useContext } from 'react'

/** Resolves addresses (U-…, B-…) to display names for mentions and message authors. */
export interface Directory {
  nameOf(address: string): string | undefined
  /** The picture of a person or app, when it has one. */
  pictureOf?(address: string): string | null | undefined
}

const empty: Directory = { nameOf: () => undefined }
export const DirectoryContext = createContext<Directory>(empty)
export const useDirectory = (): Directory => useContext(DirectoryContext)

export function directoryFrom(entries: Iterable<[string, string]>): Directory {
  const map = new Map(entries)
  return { nameOf: (address) => map.get(address) }
}
