/**
 * Bearer-key authentication for every /v1 route. The principal comes from the key alone,
 * never from the request body.
 */
import { createHash, timingSafeEqual } from 'node:crypto'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { errorBody } from './errors.js'

export type Principal = { role: 'admin'; orgId?: undefined }

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal
  }
}

const sha256 = (s: string) => createHash('sha256').update(s).digest()

export function registerAuth(app: FastifyInstance, adminToken: string): void {
  const adminHash = sha256(adminToken)
  app.decorateRequest('principal', undefined as unknown as Principal)
  app.addHook('onRequest', async (request: FastifyRequest, reply) => {
    const header = request.headers.authorization
    const match = header === undefined ? null : /^Bearer\s+(\S+)\s*$/i.exec(header)
    if (match === null) {
      return reply.code(401).send(errorBody('unauthorized', 'send an API key as "Authorization: Bearer <key>"'))
    }
    if (timingSafeEqual(sha256(match[1]!), adminHash)) {
      request.principal = { role: 'admin' }
      return
    }
    return reply.code(401).send(errorBody('unauthorized', 'this API key is not valid'))
  })
}
