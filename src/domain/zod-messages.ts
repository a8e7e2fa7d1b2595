/** Plain-language messages for the zod issues a person meets most: a missing field. */
import { z } from 'zod'

z.config({
  customError: (issue) => {
    if (issue.code === 'invalid_type' && issue.input === undefined) return 'required'
    return undefined
  },
})

/** What a field's type is, as a person reads it in Chinese. */
const ZH_TYPES: Record<string, string> = { string: '文字', number: '数字', int: '整数', boolean: '是或否', array: '列表', object: '对象', date: '日期' }
const ZH_FORMATS: Record<string, string> = { uuid: '编号（UUID）', url: '网址', email: '电子邮箱', date: '日期（YYYY-MM-DD）', datetime: '日期时间（ISO 8601）', regex: '规定格式' }

/**
 * A zod issue said in Chinese, for the console's people (the English message stays beside it).
 * `params` is the issue without its path, code and message, as the validator hands it on.
 */
export function zhIssue(code: string, params: Record<string, unknown>, message: string): string {
  const origin = params.origin as string | undefined
  const unit = origin === 'string' ? ' 个字符' : origin === 'array' || origin === 'set' ? ' 项' : ''
  switch (code) {
    case 'invalid_type':
      return message === 'required' ? '必填' : `应为${ZH_TYPES[String(params.expected)] ?? String(params.expected)}`
    case 'too_small':
      return origin === 'string' && params.minimum === 1 ? '不能为空' : `${unit ? '至少' : '不小于'} ${String(params.minimum)}${unit}`
    case 'too_big':
      return `${unit ? '最多' : '不大于'} ${String(params.maximum)}${unit}`
    case 'invalid_value':
      return `应为以下之一：${((params.values as unknown[] | undefined) ?? []).map(String).join('、')}`
    case 'invalid_format':
      return `格式不对，应为${ZH_FORMATS[String(params.format)] ?? '规定格式'}`
    case 'unrecognized_keys':
      return '未知字段'
    case 'invalid_union':
      return '不是可接受的形式'
    case 'not_multiple_of':
      return `应为 ${String(params.divisor)} 的倍数`
    default:
      return `不符合要求：${message}`
  }
}
