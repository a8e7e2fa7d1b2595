// Entry of an analysis thread. Node 20 does not apply the parent's `--import tsx` hooks to a
// worker's main module, so the thread registers tsx itself, then loads the TypeScript.
import { register } from 'tsx/esm/api'

register()
await import('./thread.ts')
