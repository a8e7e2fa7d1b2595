/**
 * The names people read for the domain's values, in Chinese and English. The console shows them
 * (it reads them from GET /v1/meta); each table is typed by its enum, so a new value cannot go
 * without a name.
 */
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
