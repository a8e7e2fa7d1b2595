/**
 * Builds the real service for tests: a container on the real Redis under a unique key prefix,
 * its workers running in this process, and the Fastify app for `app.inject`. Teardown closes
 * everything and deletes the test's keys.
 */
import { randomUUID } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { Redis } from 'ioredis'
import { pino, type Logger } from 'pino'
import type { Test } from 'tap'
import { loadConfig } from '../src/config.js'
import { createContainer, type Container } from '../src/container.js'
import { buildApp, type App } from '../src/http/app.js'

export const ADMIN = 'test-admin-token-0123456789'
export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379'
export const auth = { authorization: `Bearer ${ADMIN}` }

export interface Harness {
  app: App
  container: Container
  prefix: string
}

/** A service under a fresh prefix; pass `REDIS_PREFIX` in `env` to join another one's data. */
export async function build(t: Test, env: Record<string, string> = {}, options: { log?: Logger; now?: () => Date } = {}): Promise<Harness> {
  const prefix = env.REDIS_PREFIX ?? `test-${randomUUID()}`
  // no snapshots unless a test asks for them (in a directory of its own)
  const config = loadConfig({ REDIS_URL, ADMIN_TOKEN: ADMIN, LOG_LEVEL: 'silent', SNAPSHOT_DIR: 'off', ...env, REDIS_PREFIX: prefix })
  const log = options.log ?? pino({ level: 'silent' })
  const container = await createContainer(config, log, options.now === undefined ? {} : { now: options.now })
  const app = await buildApp(container, { loggerInstance: log })
  await container.start()
  t.teardown(async () => {
    await app.close()
    await container.close()
    await deleteKeys(prefix)
  })
  return { app, container, prefix }
}

export async function deleteKeys(prefix: string): Promise<void> {
  const redis = new Redis(REDIS_URL)
  let cursor = '0'
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000)
    cursor = next
    if (keys.length > 0) await redis.del(...keys)
  } while (cursor !== '0')
  redis.disconnect()
}

/** Polls until `check` returns a value, or fails after `ms`. */
export async function eventually<T>(check: () => Promise<T | undefined>, ms = 20_000, what = 'condition'): Promise<T> {
  const until = Date.now() + ms
  for (;;) {
    const v = await check()
    if (v !== undefined) return v
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 50))
  }
}

/** A patent record as the API takes it, with room for any other field a test adds. */
export type PatentRecord = {
  publicationNumber: string
  title: string
  abstract: string
  keywords: string[]
  ipc: string[]
  language: string
  [field: string]: unknown
}

/** Records of the real Chinese evaluation corpus, mapped to the API's patent fields. */
export function evalCorpus(limit = Infinity): PatentRecord[] {
  const url = new URL('../../shared/eval/cn-g06f-dev/corpus.jsonl', import.meta.url)
  const out: PatentRecord[] = []
  for (const line of readFileSync(url, 'utf8').split('\n')) {
    if (line.trim() === '' || out.length >= limit) continue
    const d = JSON.parse(line) as { id: string; title: string; abstract: string; keywords: string[]; cpc: string[]; lang: string }
    out.push({ publicationNumber: d.id, title: d.title, abstract: d.abstract, keywords: d.keywords, ipc: d.cpc, language: d.lang })
  }
  return out
}

/** The sample fixture: real Chinese and English patents, a few dozen. */
export function samplePatents(): Array<Record<string, unknown>> {
  return readFileSync(new URL('./fixtures/patents-sample.jsonl', import.meta.url), 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>)
}

export async function importNdjson(app: App, records: Array<Record<string, unknown>>) {
  const res = await app.inject({
    method: 'POST',
    url: '/v1/patents/import',
    headers: { ...auth, 'content-type': 'application/x-ndjson' },
    payload: records.map((r) => JSON.stringify(r)).join('\n') + '\n',
  })
  return res
}

export async function waitForImport(app: App, importId: string): Promise<Record<string, unknown>> {
  return eventually(async () => {
    const res = await app.inject({ method: 'GET', url: `/v1/imports/${importId}`, headers: auth })
    const body = res.json() as { state: string }
    return body.state === 'done' || body.state === 'failed' ? (body as Record<string, unknown>) : undefined
  }, 60_000, `import ${importId}`)
}

/**
 * The API through `app.inject` with a key (the admin's by default), failing the test on any
 * error status; and an organisation registered by the admin with a key of its own.
 */
export function apiOf(h: Harness) {
  const api = async (method: string, url: string, payload?: unknown, key = ADMIN, headers: Record<string, string> = {}) => {
    const res = await h.app.inject({ method: method as 'GET', url, headers: { authorization: `Bearer ${key}`, ...headers }, ...(payload === undefined ? {} : { payload: payload as string }) })
    if (res.statusCode >= 300) throw new Error(`${method} ${url}: ${res.statusCode} ${res.body}`)
    return res.json()
  }
  const org = async (body: Record<string, unknown>) => {
    const o = await api('POST', '/v1/orgs', body)
    const { key } = await api('POST', `/v1/orgs/${o.id}/keys`, { name: 'test' })
    return { id: o.id as string, key: key as string, h: { authorization: `Bearer ${key}` } }
  }
  return { api, org }
}

/** A granted invention with claims, classes, the office's readiness level and grade: every indicator of a value profile has data. */
export const DEFECT_PATENT = {
  publicationNumber: 'CN117000001B',
  title: '一种基于卷积神经网络的工业零件表面缺陷检测方法',
  abstract: '采集工业零件表面图像，经卷积神经网络识别划痕、凹坑等表面缺陷，输出缺陷类别与位置。',
  claims: '1. 一种工业零件表面缺陷检测方法，其特征在于，包括采集图像与卷积神经网络识别。2. 根据权利要求1所述的方法，其中……3. 一种缺陷检测系统。',
  ipc: ['G06T7/00', 'G06N3/08'],
  applicants: ['华东示例理工大学'],
  legalStatus: 'granted',
  filingDate: '2023-01-05',
  maturity: 6,
  officeGrade: 4,
  transferModes: ['license'],
}
