/** The facts of many patents at once, their holders' names looked up once each. */
import { patentFacts, type PatentFacts } from '../domain/patent-facts.js'
import type { OrgStore, PatentStore } from '../domain/ports.js'

export async function loadPatentFacts(deps: { patents: Pick<PatentStore, 'getMany'>; orgs: Pick<OrgStore, 'get'> }, publicationNumbers: readonly string[], today: Date): Promise<Map<string, PatentFacts>> {
  const unique = [...new Set(publicationNumbers)]
  const patents = await deps.patents.getMany(unique)
  const holderIds = [...new Set(patents.flatMap((p) => (p?.ownerOrgId === undefined ? [] : [p.ownerOrgId])))]
  const holders = new Map<string, { id: string; name: string }>()
  for (const org of await Promise.all(holderIds.map((id) => deps.orgs.get(id)))) if (org !== undefined) holders.set(org.id, { id: org.id, name: org.name })
  const out = new Map<string, PatentFacts>()
  for (const p of patents) {
    if (p === undefined) continue
    out.set(p.publicationNumber, patentFacts(p, p.ownerOrgId === undefined ? undefined : holders.get(p.ownerOrgId), today))
  }
  return out
}
