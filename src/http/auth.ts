/**
 * Authentication and the role check, for every /v1 route. The principal comes from the key
 * alone. Each route names its action in `config.access`; a route without one fails at start,
 * so no route can slip through without a rule.
 */
import type { FastifyInstance } from 'fastify'
import { ACTIONS, authorize, type Action, type Principal } from '../domain/access.js'
import type { OrgsService } from '../services/orgs.js'
import { sendError } from './errors.js'

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal
  }
  interface FastifyContextConfig {
    /** The action of the authorization matrix that this route takes. */
    access?: Action
  }
}

const BEARER = /^Bearer\s+(\S+)\s*$/i

/** The caller of a request by its key, or why it has none (the 401's message). */
export async function callerOf(orgs: OrgsService, authorization: string | undefined): Promise<Principal | { refused: string }> {
  const match = BEARER.exec(authorization ?? '')
  if (match === null) return { refused: 'send an API key as "Authorization: Bearer <key>"' }
  const principal = await orgs.authenticate(match[1]!)
  return principal ?? { refused: 'this API key is not valid: unknown, revoked or expired' }
}

export function registerAuth(app: FastifyInstance, orgs: OrgsService): void {
  app.decorateRequest('principal', null as never)

  app.addHook('onRoute', (route) => {
    const access = (route.config as { access?: string } | undefined)?.access
    if (access === undefined || !(ACTIONS as string[]).includes(access)) {
      throw new Error(`route ${route.method} ${route.url} has no rule in the authorization matrix (config.access)`)
    }
  })

  app.addHook('onRequest', async (request, reply) => {
    const principal = await callerOf(orgs, request.headers.authorization)
    if ('refused' in principal) return sendError(reply, 'unauthorized', principal.refused)
    request.principal = principal
    const access = request.routeOptions.config.access
    if (access !== undefined) await authorize(principal, access)
  })
}
