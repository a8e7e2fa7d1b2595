/**
 * Validation errors say each field's problem in Chinese too (issue 16: the Chinese console
 * showed English), beside the English message, for the console to show in its language.
 */
import t from 'tap'
import { auth, build } from '../helper.js'

t.test('each bad field has its problem in Chinese beside the English', async (t) => {
  const h = await build(t)
  const res = await h.app.inject({
    method: 'POST',
    url: '/v1/orgs',
    headers: auth,
    payload: { name: '', kind: 'factory', bogus: 1 },
  })
  t.equal(res.statusCode, 400)
  const details = res.json().error.details as Array<{ path: string; message: string; zh?: string }>
  t.match(details.find((d) => d.path === 'body.name'), { zh: /不能为空|至少/ })
  t.match(details.find((d) => d.path === 'body.kind'), { zh: /^应为以下之一：enterprise、university/ })
  t.match(details.find((d) => d.path === 'body.bogus'), { zh: '未知字段「bogus」' })
  for (const d of details) t.type(d.message, 'string', 'the English stays')

  const q = await h.app.inject({ method: 'GET', url: '/v1/pairings?limit=500', headers: auth })
  t.match(q.json().error.details, [{ path: 'query.limit', zh: '不大于 100' }])
  const missing = await h.app.inject({ method: 'POST', url: '/v1/rounds', headers: auth, payload: { name: '第一批' } })
  t.match(missing.json().error.details, [{ path: 'body.deadline', zh: '必填' }], 'a missing field is missing, whatever its schema says of a bad one')
})
