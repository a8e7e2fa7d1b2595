/**
 * The names people read for the domain's values, in Chinese and English. The console shows them
 * (it reads them from GET /v1/meta); each table is typed by its enum, so a new value cannot go
 * without a name.
 */
import type { ErrorCode } from './errors.js'
import type { ImportState } from './imports.js'
import type { DisclosureLevel } from './need.js'
import type { EnterpriseFlag, EnterpriseSize, OrgKind } from './org.js'
import type { InterestState } from './interest.js'
import type { DeclineReason, DeliveryMode, InterestDeclineReason, PairingState } from './pairing.js'
import type { LegalStatus, PatentStatus, TransferMode } from './patent.js'
import type { PoolEventType, PoolStatus, ProgressKind, Violation, WithdrawalReason } from './pool.js'
import type { AttemptOutcome } from './webhooks.js'

export interface Label {
  zh: string
  en: string
}

export const PAIRING_STATE_LABELS: Record<PairingState, Label> = {
  recommended: { zh: '已推荐', en: 'recommended' },
  contacted: { zh: '已联系', en: 'contacted' },
  'nda-signed': { zh: '已签保密协议', en: 'NDA signed' },
  negotiating: { zh: '谈判中', en: 'negotiating' },
  'agreement-signed': { zh: '已签协议', en: 'agreement signed' },
  recorded: { zh: '已备案', en: 'recorded' },
  industrialised: { zh: '已产业化', en: 'industrialised' },
  declined: { zh: '已放弃', en: 'declined' },
  withdrawn: { zh: '已撤回', en: 'withdrawn' },
}

export const DECLINE_REASON_LABELS: Record<DeclineReason, Label> = {
  'not-relevant': { zh: '不相关', en: 'not relevant' },
  'too-early-stage': { zh: '技术成熟度不足', en: 'too early stage' },
  price: { zh: '价格', en: 'price' },
  'transfer-mode': { zh: '转化方式不合适', en: 'transfer mode' },
  region: { zh: '地域', en: 'region' },
  'already-solved': { zh: '已解决', en: 'already solved' },
  other: { zh: '其他', en: 'other' },
}

export const INTEREST_STATE_LABELS: Record<InterestState, Label> = {
  open: { zh: '待答复', en: 'awaiting an answer' },
  accepted: { zh: '已接受', en: 'accepted' },
  declined: { zh: '已婉拒', en: 'declined' },
}

export const INTEREST_DECLINE_REASON_LABELS: Record<InterestDeclineReason, Label> = {
  'already-transferred': { zh: '已转让或许可他方', en: 'already assigned or licensed to another party' },
  'in-negotiation': { zh: '正与他方洽谈', en: 'in negotiation with another party' },
  'not-offered': { zh: '暂不对外转化', en: 'not offered at present' },
  'transfer-mode': { zh: '转化方式不合适', en: 'transfer mode not offered' },
  'insufficient-information': { zh: '企业信息不足', en: 'too little known of the enterprise' },
  other: { zh: '其他', en: 'other' },
}

export const DISCLOSURE_LEVEL_LABELS: Record<DisclosureLevel, Label> = {
  none: { zh: '不公开', en: 'Nothing' },
  identity: { zh: '公开企业名称', en: 'Our name' },
  'identity-and-need': { zh: '公开企业名称和需求内容', en: 'Our name and this need' },
}

export const LEGAL_STATUS_LABELS: Record<LegalStatus, Label> = {
  pending: { zh: '审中', en: 'Pending' },
  granted: { zh: '已授权', en: 'Granted' },
  lapsed: { zh: '失效', en: 'Lapsed' },
  expired: { zh: '届满', en: 'Expired' },
  invalidated: { zh: '已无效', en: 'Invalidated' },
}

export const TRANSFER_MODE_LABELS: Record<TransferMode, Label> = {
  assignment: { zh: '转让', en: 'Assignment' },
  license: { zh: '许可', en: 'Licence' },
  'open-license': { zh: '开放许可', en: 'Open licence' },
  equity: { zh: '作价入股', en: 'Equity' },
}

export const ORG_KIND_LABELS: Record<OrgKind, Label> = {
  enterprise: { zh: '企业', en: 'Enterprise' },
  university: { zh: '高校技术转移机构', en: 'University TTO' },
  'operations-centre': { zh: '运营中心', en: 'Operations centre' },
  'provincial-office': { zh: '省级知识产权局', en: 'Provincial IP office' },
  'financial-institution': { zh: '金融机构', en: 'Financial institution' },
}

export const POOL_STATUS_LABELS: Record<PoolStatus, Label> = {
  in: { zh: '在库', en: 'in' },
  graduated: { zh: '已毕业', en: 'graduated' },
  withdrawn: { zh: '已退出', en: 'withdrawn' },
}

export const PATENT_STATUS_LABELS: Record<PatentStatus, Label> = {
  listed: { zh: '已上架', en: 'listed' },
  withdrawn: { zh: '已下架', en: 'withdrawn' },
}

export const IMPORT_STATE_LABELS: Record<ImportState, Label> = {
  receiving: { zh: '接收中', en: 'receiving' },
  indexing: { zh: '索引中', en: 'indexing' },
  done: { zh: '完成', en: 'done' },
  failed: { zh: '失败', en: 'failed' },
}

export const DELIVERY_MODE_LABELS: Record<DeliveryMode, Label> = {
  immediate: { zh: '逐条即时推送', en: 'each pairing at once' },
  digest: { zh: '定期汇总推送', en: 'a digest each period' },
}

export const ATTEMPT_OUTCOME_LABELS: Record<AttemptOutcome, Label> = {
  succeeded: { zh: '成功', en: 'succeeded' },
  retrying: { zh: '稍后重试', en: 'retrying' },
  failed: { zh: '失败', en: 'failed' },
  'endpoint-disabled': { zh: '接口已停用', en: 'endpoint disabled' },
  skipped: { zh: '跳过', en: 'skipped' },
}

export const VIOLATION_NAMES: Record<Violation, Label> = {
  'major-safety-accident': { zh: '重大安全事故', en: 'Major safety accident' },
  'serious-dishonesty': { zh: '严重失信', en: 'Serious dishonesty' },
  'tax-evasion': { zh: '偷漏税', en: 'Tax evasion' },
  'data-fraud': { zh: '数据造假', en: 'Data fraud' },
  'abnormal-patent-filing': { zh: '非正常申请专利', en: 'Abnormal patent filing' },
}

export const WITHDRAWAL_REASON_LABELS: Record<WithdrawalReason, Label> = {
  'no-progress': { zh: '两年内未取得实质性进展', en: 'No substantive progress in two years' },
  other: { zh: '其他', en: 'Other' },
}

export const PROGRESS_KIND_LABELS: Record<ProgressKind, Label> = {
  'agreement-signed': { zh: '签订专利转化协议', en: 'Agreement signed' },
  'new-patent-intensive-product': { zh: '新增专利密集型产品', en: 'New patent-intensive product' },
}

export const POOL_EVENT_LABELS: Record<PoolEventType, Label> = {
  recommended: { zh: '推荐入库', en: 'Recommended' },
  graduated: { zh: '培育出库', en: 'Graduated' },
  'withdrawal-flagged': { zh: '两年无进展预警', en: 'Flagged: no progress' },
  withdrawn: { zh: '退出', en: 'Withdrawn' },
  'violation-recorded': { zh: '记录违规', en: 'Violation recorded' },
  'progress-recorded': { zh: '记录进展', en: 'Progress recorded' },
}

export const ENTERPRISE_SIZE_LABELS: Record<EnterpriseSize, Label> = {
  micro: { zh: '微型', en: 'Micro' },
  small: { zh: '小型', en: 'Small' },
  medium: { zh: '中型', en: 'Medium' },
  large: { zh: '大型', en: 'Large' },
}

export const ENTERPRISE_FLAG_LABELS: Record<EnterpriseFlag, Label> = {
  'high-tech': { zh: '高新技术企业', en: 'High-tech enterprise' },
  'specialised-sme': { zh: '专精特新中小企业', en: 'Specialised SME' },
  'little-giant': { zh: '专精特新“小巨人”', en: '"Little giant"' },
}

/**
 * What each error means, for a person: the console shows the Chinese one to a Chinese reader
 * (the API's `message`, in English, says the particulars), with the fields' own messages below.
 */
export const ERROR_CODE_LABELS: Record<ErrorCode, Label> = {
  validation_failed: { zh: '提交的内容有误，请按下列提示修改', en: 'Some fields are not valid' },
  bad_request: { zh: '请求无法识别', en: 'The request could not be understood' },
  unauthorized: { zh: '密钥缺失、无效、已吊销或已过期，请重新登录', en: 'The key is missing, unknown, revoked or expired: sign in again' },
  forbidden: { zh: '本机构无权进行此操作', en: 'This organisation may not do that' },
  not_found: { zh: '未找到，或本机构无权查看', en: 'Not found, or not visible to this organisation' },
  already_exists: { zh: '已存在，不能重复提交', en: 'It already exists' },
  need_closed: { zh: '该需求已关闭，不能再更改或对接', en: 'The need is closed' },
  illegal_transition: { zh: '对接当前所处阶段不允许这一步', en: 'The pairing cannot take that step from where it is' },
  not_in_pool: { zh: '该企业已不在培育库中', en: 'The enterprise is no longer in the pool' },
  not_eligible: { zh: '不符合所需条件，原因见下', en: 'The conditions are not met' },
  webhook_disabled: { zh: '该推送接口已停用，请先启用', en: 'The webhook is disabled: enable it first' },
  interest_answered: { zh: '该意向已答复，答复不能更改', en: 'The interest was already answered' },
  interest_without_need: { zh: '该意向所属的需求已不存在', en: 'The need of this interest is no longer on record' },
  no_centre_for_province: { zh: '企业所在省份没有运营中心，暂不能形成对接', en: "No operations centre serves the enterprise's province" },
  already_in_pool: { zh: '该企业已在培育库中', en: 'The enterprise is already in the pool' },
  left_pool: { zh: '该企业已退出培育库，不能再次推荐', en: 'The enterprise has left the pool' },
  province_mismatch: { zh: '企业不属于本省', en: 'The enterprise is not in this province' },
  deadline_passed: { zh: '本轮推荐已截止', en: "The round's deadline has passed" },
  quota_exceeded: { zh: '名额已满', en: 'No places left' },
  webhook_limit_exceeded: { zh: '推送接口数量已达上限，请先删除一个', en: 'The webhook limit is reached: delete one first' },
  request_timeout: { zh: '请求未能及时收到，请重试', en: 'The request was not received in time' },
  payload_too_large: { zh: '提交的内容过大', en: 'The request is too large' },
  headers_too_large: { zh: '请求头过大', en: 'The request headers are too large' },
  unsupported_media_type: { zh: '不支持该文件或内容格式', en: 'That content type is not supported' },
  rate_limited: { zh: '请求过于频繁，请稍后再试', en: 'Too many requests: try again shortly' },
  internal_error: { zh: '服务内部出错，请稍后再试', en: 'Something went wrong on the server' },
  dependency_unavailable: { zh: '服务暂时不可用，请稍后再试', en: 'The service is briefly unavailable' },
}
