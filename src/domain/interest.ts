/** An enterprise's interest in a patent, seen by the patent's university as far as disclosed. */
import { z } from 'zod'
import { DISCLOSURE_LEVELS } from './need.js'

export const interestSchema = z.object({
  id: z.string(),
  publicationNumber: z.string(),
  enterpriseOrgId: z.string(),
  universityOrgId: z.string().optional(),
  needId: z.string().optional(),
  message: z.string().optional(),
  /** What the enterprise lets the university see: nothing, its name, or its name and the need. */
  disclosure: z.enum(DISCLOSURE_LEVELS),
  createdAt: z.string(),
})
export type Interest = z.infer<typeof interestSchema>
