/** An enterprise's technology need: what it wants to solve, in its own words. */
import { z } from 'zod'
import './zod-messages.js'
import { ipcCodeSchema, TRANSFER_MODES, type TransferMode } from './patent.js'

export const needInputSchema = z.strictObject({
  title: z.string().trim().min(1, 'must not be empty').max(500),
  description: z.string().trim().max(20_000).optional(),
  keywords: z.array(z.string().trim().min(1).max(100)).max(50).optional(),
  ipc: z.array(ipcCodeSchema).max(50).optional(),
  transferModes: z.array(z.enum(TRANSFER_MODES)).max(4).optional(),
  province: z.string().trim().min(1).max(50).optional(),
  industry: z.string().trim().min(1).max(100).optional(),
  /**
   * What a university sees of this need in pairings on its patents: nothing of the enterprise
   * (default), its identity, or its identity and this need's text.
   */
  disclosure: z.enum(['none', 'identity', 'identity-and-need']).optional(),
})
export type NeedInput = z.infer<typeof needInputSchema>

export const needPatchSchema = needInputSchema.partial()
export type NeedPatch = z.infer<typeof needPatchSchema>

export interface Need {
  id: string
  title: string
  description?: string
  keywords: string[]
  ipc: string[]
  transferModes: TransferMode[]
  province?: string
  industry?: string
  disclosure?: 'none' | 'identity' | 'identity-and-need'
  state: 'open' | 'closed'
  /** Bumped by every change; a match job computes for one version. */
  version: number
  ownerOrgId?: string
  createdAt: string
  updatedAt: string
}
