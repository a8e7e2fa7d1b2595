import t from 'tap'
import { readFileSync } from 'node:fs'
import { matrixMarkdown } from '../../src/domain/access.js'
import { configSchema } from '../../src/config.js'

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8')

t.test('the README shows the authorization matrix that the code enforces', async (t) => {
  t.ok(readme.includes(matrixMarkdown()), 'README matrix is out of date: paste matrixMarkdown() from src/domain/access.ts')
})

t.test('the README documents every configuration variable', async (t) => {
  for (const name of Object.keys(configSchema.shape)) t.match(readme, `\`${name}\``, `${name} is in the README`)
})

t.test('the README keeps the two-command quick start', async (t) => {
  t.match(readme, 'npm ci && npm start')
  t.match(readme, 'npm ci && npm test')
})
