/**
 * Files the API hands to people: how a download is named, how a CSV is sent, and in which
 * language a person reads it. One place, so every export opens the same way in Chinese Excel.
 */
import type { FastifyReply } from 'fastify'

/** Content-Disposition of a download: an ASCII name for old clients, the real (Chinese) name as RFC 6266 `filename*`. */
export const attachment = (asciiName: string, name: string) => `attachment; filename="${asciiName}"; filename*=UTF-8''${encodeURIComponent(name)}`

/** CSV text as a download, in UTF-8 with a BOM: Chinese Excel reads a CSV without one as GBK. */
export function sendCsv(reply: FastifyReply, csv: string, asciiName: string, name: string) {
  return reply.type('text/csv; charset=utf-8').header('content-disposition', attachment(asciiName, name)).send(`\uFEFF${csv}`)
}

/** The language of a file for a person: the one asked for, else English when Accept-Language puts it first, else Chinese. */
export const readerLanguage = (asked: 'zh' | 'en' | undefined, acceptLanguage: string | undefined): 'zh' | 'en' =>
  asked ?? (/^\s*en\b/i.test(acceptLanguage ?? '') ? 'en' : 'zh')
