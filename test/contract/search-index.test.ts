/**
 * Runs the SearchIndex contract against each adapter: the embedded one always, Meilisearch only
 * where MEILI_HOST points to a running server (MEILI_API_KEY if it needs a key). Nothing stands in
 * for Meilisearch here: without a server that branch is skipped, not faked.
 */
import { randomUUID } from 'node:crypto'
import t from 'tap'
import { loadAnalysisResources } from '../../search-config/analysis.js'
import { createEmbeddedSearchIndex } from '../../src/adapters/embedded-search/index.js'
import { createMeilisearchSearchIndex } from '../../src/adapters/meilisearch/search-index.js'
import { createAnalyzer } from '../../src/domain/text/analyzer.js'
import { searchIndexContract } from './search-index.contract.js'

const meiliHost = process.env['MEILI_HOST']
const meiliApiKey = process.env['MEILI_API_KEY']

t.test('embedded', async (t) => {
  const analyzer = createAnalyzer(loadAnalysisResources())
  await searchIndexContract(t, async () => createEmbeddedSearchIndex(analyzer))
})

t.test(
  'meilisearch',
  {
    skip:
      meiliHost === undefined || meiliHost === ''
        ? 'MEILI_HOST not set: no Meilisearch server on this machine; runs wherever MEILI_HOST points to one'
        : false,
  },
  async (t) => {
    const host = meiliHost ?? ''
    const indexUid = `test-${randomUUID()}`
    t.teardown(async () => {
      // Delete the per-run index; import lazily so the skipped branch needs nothing.
      const { Meilisearch } = await import('meilisearch')
      const client = new Meilisearch({ host, ...(meiliApiKey !== undefined ? { apiKey: meiliApiKey } : {}) })
      // deleteIndex only enqueues a task; wait for it so the index is gone when the run ends.
      // (A failed task, e.g. index_not_found when init never ran, is returned, not thrown.)
      await client.deleteIndex(indexUid).waitTask({ timeout: 30_000 })
    })
    await searchIndexContract(t, async () =>
      createMeilisearchSearchIndex({ host, indexUid, ...(meiliApiKey !== undefined ? { apiKey: meiliApiKey } : {}) }),
    )
  },
)
