// The console's words in Chinese (default) and English. The choice persists in localStorage.
const DICT = {
  zh: {
    appName: '专利产业化对接平台', skip: '跳到正文', lang: 'English', langLabel: '切换到英文', signOut: '退出',
    signInTitle: '登录', signInHelp: '粘贴本机构的 API 密钥（形如 pbk_…）。密钥只保存在本浏览器标签页中，关闭即清除。',
    key: '机构密钥', signIn: '登录', signedInAs: '当前机构', badKey: '密钥无效：未知、已吊销或已过期',
    loading: '加载中…', none: '暂无', error: '出错了', save: '保存', saved: '已保存', refresh: '刷新', back: '返回', close: '关闭',
    // roles without an organisation (the kinds' names come from GET /v1/meta, as every enum's)
    'role.admin': '管理员', 'role.system': '系统',
    // nav
    'nav.newNeed': '发布需求', 'nav.needs': '我的需求', 'nav.search': '检索专利', 'nav.interests': '我的意向',
    'nav.inventory': '专利清单', 'nav.upload': '上传专利清单', 'nav.patents': '专利与对接', 'nav.inbox': '对接收件箱', 'nav.funnel': '对接漏斗', 'nav.routing': '服务范围', 'nav.webhooks': '推送接口',
    'nav.pool': '培育库', 'nav.stats': '统计数据', 'nav.orgs': '机构与密钥', 'nav.rounds': '推荐批次',
    // need
    'need.new': '发布技术需求', 'need.title': '需求标题', 'need.description': '需求描述', 'need.keywords': '关键词（用逗号或分号分隔）',
    'need.ipc': 'IPC 分类号（如 G06V10/82，用逗号分隔）', 'need.transferModes': '可接受的转化方式', 'need.province': '所在省份',
    'need.industry': '所属行业', 'need.disclosure': '对高校公开的信息', 'need.submit': '发布并开始匹配', 'need.created': '需求已发布，正在匹配…',
    'need.matches': '匹配结果', 'need.pending': '正在计算匹配，结果到达后会自动显示…', 'need.ready': '匹配完成', 'need.noMatches': '没有找到匹配的专利',
    'need.list': '我的需求（本浏览器中发布的）', 'need.open': '查看匹配', 'need.lookup': '按需求编号打开', 'need.id': '需求编号',
    // match
    'match.rank': '排名', 'match.terms': '命中词', 'match.classes': '共同分类', 'match.inferred': '推断分类',
    'match.signals': '依据占比', 'match.abstract': '摘要', 'match.showAbstract': '显示摘要', 'match.new': '新',
    'match.likely': '相关可能性', 'match.likelyHelp': '估计的相关概率：该专利与本需求相关的可能性（各需求同一标准）',
    'match.thresholdTick': '从 {t} 起为强匹配', 'match.strong': '强匹配', 'match.weak': '相关度较低',
    'match.strongFound': '找到 {n} 条强匹配（相关可能性 ≥ {t}）', 'match.noStrong': '暂无强匹配 — 有合适的专利时我们会通知您',
    'match.weakHeading': '相关度较低的结果', 'match.weakHelp': '相关可能性低于 {t}，仅供参考。', 'match.total': '共 {n} 条',
    'signal.text': '需求用词', 'signal.related': '相关用词', 'signal.classes': '推断分类', 'signal.ipc': '指定分类',
    'interest.express': '表达意向', 'interest.message': '留言（可选）', 'interest.disclosure': '向高校公开', 'interest.send': '发送意向',
    'interest.sent': '意向已发送', 'interest.list': '我表达过的意向', 'interest.patent': '专利', 'interest.at': '时间',
    // search
    'search.title': '检索专利', 'search.q': '检索词（中文或英文）', 'search.go': '检索', 'search.ipc': 'IPC 前缀', 'search.applicant': '申请人',
    'search.transferMode': '转化方式', 'search.legalStatus': '法律状态', 'search.any': '不限', 'search.total': '共 {n} 件',
    'search.facets': '筛选', 'search.clear': '清除筛选', 'facet.legalStatus': '法律状态', 'facet.transferModes': '转化方式',
    'facet.ipcClass': 'IPC 小类', 'facet.applicants': '申请人', 'search.prev': '上一页', 'search.next': '下一页',
    // upload
    'upload.title': '上传专利清单', 'upload.help': '选择 Excel（.xlsx）、CSV（GBK 或 UTF-8 均可）或 NDJSON 文件；首行为列名，可用中文（公开号、专利名称、摘要、法律状态……）。',
    'upload.file': '清单文件（.xlsx、.csv 或 .ndjson / .jsonl）', 'upload.go': '上传', 'upload.sample': '下载示例清单（CSV）',
    'upload.accepted': '已接收 {n} 条', 'upload.rejectedTotal': '被拒 {n} 条', 'upload.progress': '索引进度',
    'upload.state': '状态',
    'upload.rejected': '被拒的行（请修改后重新上传）', 'upload.downloadRejected': '下载被拒的 {n} 行（CSV）', 'upload.line': '行号', 'upload.field': '字段', 'upload.message': '问题',
    'upload.badType': '请选择 .xlsx、.csv、.ndjson 或 .jsonl 文件', 'upload.noFile': '请先选择文件',
    // patents of a university
    'patents.title': '我的专利与对接', 'patents.help': '本校专利的对接情况，以及企业放弃对接的原因。',
    'patents.pairings': '对接数', 'patents.declined': '放弃原因', 'patents.notes': '说明', 'patents.interests': '企业意向',
    'patents.lookup': '查询专利', 'patents.pn': '公开号',
    // the inventory of a university
    'inventory.title': '本校专利清单', 'inventory.help': '本校登记的全部专利，最新的在前：可筛选、修改、下架或重新上架。',
    'inventory.q': '检索（专利名称、公开号或申请号）', 'inventory.status': '上架状态', 'inventory.anyStatus': '全部', 'inventory.filter': '筛选', 'inventory.reset': '清除筛选',
    'inventory.pn': '公开号', 'inventory.name': '专利名称', 'inventory.legal': '法律状态', 'inventory.modes': '转化方式', 'inventory.listing': '状态',
    'inventory.updated': '更新时间', 'inventory.actions': '操作', 'inventory.edit': '编辑', 'inventory.withdraw': '下架', 'inventory.relist': '重新上架',
    'inventory.more': '加载更多', 'inventory.total': '共 {n} 件，已显示 {shown} 件', 'inventory.shown': '已显示 {shown} 件符合条件的专利',
    'inventory.moreToSearch': '还有未查看的专利，点击“加载更多”继续查找', 'inventory.empty': '还没有登记专利。', 'inventory.noMatch': '没有符合条件的专利。',
    'inventory.withdrawn': '{pn} 已下架：不再出现在检索和匹配中', 'inventory.relisted': '{pn} 已重新上架：将重新出现在检索和匹配中',
    'inventory.saved': '{pn} 已保存', 'inventory.noChange': '没有修改',
    'edit.title': '修改 {pn}', 'edit.name': '专利名称', 'edit.abstract': '摘要', 'edit.keywords': '关键词（用逗号或分号分隔）', 'edit.legalStatus': '法律状态',
    'edit.transferModes': '转化方式', 'edit.save': '保存修改', 'edit.cancel': '取消',
    'history.title': '导入记录', 'history.help': '本机构最近 30 天的导入，最新的在前。', 'history.at': '时间', 'history.state': '状态',
    'history.accepted': '接收', 'history.created': '新增', 'history.updated': '更新', 'history.unchanged': '未变', 'history.rejected': '被拒',
    'history.indexed': '已索引', 'history.empty': '还没有导入记录',
    // pairings
    'pairing.inbox': '对接收件箱', 'pairing.live': '实时', 'pairing.offline': '重连中', 'pairing.state': '状态', 'pairing.need': '需求',
    'pairing.patent': '专利', 'pairing.score': '匹配度', 'pairing.enterprise': '企业', 'pairing.created': '创建', 'pairing.updated': '更新',
    'pairing.open': '处理', 'pairing.detail': '对接详情', 'pairing.history': '流转记录', 'pairing.next': '下一步',
    'pairing.moveTo': '推进到：{s}', 'pairing.decline': '放弃对接', 'pairing.reason': '放弃原因', 'pairing.note': '说明',
    'pairing.confirmDecline': '确认放弃', 'pairing.final': '流程已结束', 'pairing.at': '时间', 'pairing.actor': '操作方',
    'pairing.from': '从', 'pairing.to': '到', 'pairing.allStates': '全部状态', 'pairing.newArrived': '新对接已到达',
    'pairing.count': '{n} 条', 'pairing.more': '加载更多', 'pairing.why': '匹配依据', 'pairing.matchedTerms': '共同技术词',
    'kind.invention': '发明专利', 'kind.utility-model': '实用新型', 'kind.design': '外观设计',
    'facts.yearsLeft': '剩余约 {n} 年', 'facts.expired': '保护期已届满', 'facts.anyMode': '转化方式可协商',
    'funnel.title': '对接漏斗', 'funnel.help': '本中心范围内各状态的对接数（到达过该状态的数量）。', 'funnel.reached': '到达', 'funnel.now': '当前',
    'routing.title': '服务范围', 'routing.help': '哪些匹配会成为本中心的对接。', 'routing.provinces': '省份（逗号分隔，留空为全部）',
    'routing.ipcPrefixes': 'IPC 前缀（逗号分隔，留空为全部）', 'routing.minScore': '最低相关可能性（0–1）', 'routing.minScoreDefault': '留空：从强匹配起推送', 'routing.maxPerNeed': '每个需求最多对接数',
    'routing.dailyCap': '每日最多推送（留空不限）', 'routing.noCap': '不限', 'routing.delivery': '推送方式', 'routing.digestHours': '汇总周期（小时）',
    'webhooks.title': '推送接口（Webhook）', 'webhooks.help': '新对接与状态变化按 Standard Webhooks 规范推送到贵中心的系统，每次推送都可在日志中查看并重新发送。',
    'webhooks.url': '接收地址', 'webhooks.events': '推送的事件', 'webhooks.create': '登记接口', 'webhooks.enabled': '启用中', 'webhooks.disabled': '已停用',
    'webhooks.enable': '重新启用', 'webhooks.delete': '删除', 'webhooks.confirmDelete': '删除该接口及其推送日志？', 'webhooks.deliveries': '推送日志',
    'webhooks.redeliver': '重新发送', 'webhooks.redelivered': '已重新排队发送', 'webhooks.noDeliveries': '尚无推送',
    'webhooks.secretOnce': '签名密钥只显示这一次，请复制到接收系统：', 'webhooks.event': '事件', 'webhooks.attempt': '第几次', 'webhooks.answer': '应答',
    'webhooks.duration': '耗时', 'webhooks.outcome': '结果',
   
    'funnel.chart': '对接漏斗图',
    'routing.notSet': '尚未设置服务范围：设置后才会收到对接。',
    // pool
    'pool.title': '专利产业化培育库', 'pool.quota': '名额', 'pool.in': '在库', 'pool.recommended': '已推荐', 'pool.placesLeft': '剩余名额',
    'pool.graduated': '已毕业', 'pool.withdrawn': '已退出', 'pool.flagged': '预警', 'pool.rolling': '滚动增补额度', 'pool.addedByRolling': '滚动增补',
    'pool.enterprise': '企业', 'pool.status': '状态', 'pool.since': '入库时间', 'pool.round': '批次', 'pool.empty': '培育库中还没有企业',
    'pool.recommend': '推荐企业入库', 'pool.enterpriseId': '企业编号', 'pool.roundId': '批次', 'pool.recommendGo': '推荐',
    'stats.title': '统计数据', 'stats.export': '导出 CSV', 'stats.year': '年份', 'stats.figure': '指标', 'stats.value': '数值',
    'stats.needs': '需求数', 'stats.matches': '匹配数', 'stats.pairings': '对接数', 'stats.agreements': '签约数', 'stats.industrialised': '产业化数',
    'stats.downloaded': 'CSV 已下载',
    // admin
    'admin.orgs': '机构', 'admin.newOrg': '登记机构', 'admin.name': '名称', 'admin.kind': '类型', 'admin.province': '省份',
    'admin.create': '登记', 'admin.issueKey': '签发密钥', 'admin.keyOnce': '新密钥（只显示这一次，请复制保存）：',
    'admin.rounds': '推荐批次', 'admin.roundName': '批次名称', 'admin.deadline': '截止日期', 'admin.createRound': '创建批次', 'admin.id': '编号',
  },
  en: {
    appName: 'Patent Bridge', skip: 'Skip to content', lang: '中文', langLabel: 'Switch to Chinese', signOut: 'Sign out',
    signInTitle: 'Sign in', signInHelp: "Paste your organisation's API key (pbk_…). It is kept only in this browser tab and cleared when the tab closes.",
    key: 'Organisation key', signIn: 'Sign in', signedInAs: 'Signed in as', badKey: 'This key is not valid: unknown, revoked or expired',
    loading: 'Loading…', none: 'None', error: 'Error', save: 'Save', saved: 'Saved', refresh: 'Refresh', back: 'Back', close: 'Close',
    'role.admin': 'Administrator', 'role.system': 'System',
    'nav.newNeed': 'New need', 'nav.needs': 'My needs', 'nav.search': 'Search patents', 'nav.interests': 'My interests',
    'nav.inventory': 'Inventory', 'nav.upload': 'Upload inventory', 'nav.patents': 'Patents & pairings', 'nav.inbox': 'Pairing inbox', 'nav.funnel': 'Funnel', 'nav.routing': 'Scope', 'nav.webhooks': 'Webhooks',
    'nav.pool': 'Cultivation pool', 'nav.stats': 'Figures', 'nav.orgs': 'Organisations & keys', 'nav.rounds': 'Rounds',
    'need.new': 'State a technology need', 'need.title': 'Title', 'need.description': 'Description', 'need.keywords': 'Keywords (comma or semicolon separated)',
    'need.ipc': 'IPC codes (e.g. G06V10/82, comma separated)', 'need.transferModes': 'Acceptable transfer modes', 'need.province': 'Province',
    'need.industry': 'Industry', 'need.disclosure': 'What universities may see', 'need.submit': 'Publish and match', 'need.created': 'Need published, matching…',
    'need.matches': 'Matches', 'need.pending': 'Computing matches; they appear here as soon as they are ready…', 'need.ready': 'Matches ready', 'need.noMatches': 'No matching patents found',
    'need.list': 'My needs (published from this browser)', 'need.open': 'Matches', 'need.lookup': 'Open a need by id', 'need.id': 'Need id',
    'match.rank': 'Rank', 'match.terms': 'Matched terms', 'match.classes': 'Shared classes', 'match.inferred': 'Inferred classes',
    'match.signals': 'Share of the evidence', 'match.abstract': 'Abstract', 'match.showAbstract': 'Show abstract', 'match.new': 'new',
    'match.likely': 'Likely relevant', 'match.likelyHelp': 'Estimated chance that this patent is relevant to the need (the same scale for every need)',
    'match.thresholdTick': 'Strong from {t}', 'match.strong': 'Strong match', 'match.weak': 'Weaker',
    'match.strongFound': 'Strong matches: {n} (likely relevant {t} or more)', 'match.noStrong': 'No strong match yet — we will tell you when one arrives',
    'match.weakHeading': 'Weaker matches', 'match.weakHelp': 'Likely relevant below {t}; for reference only.', 'match.total': '{n} in all',
    'signal.text': 'Need terms', 'signal.related': 'Related terms', 'signal.classes': 'Inferred classes', 'signal.ipc': 'Named classes',
    'interest.express': 'Express interest', 'interest.message': 'Message (optional)', 'interest.disclosure': 'Disclose to the university', 'interest.send': 'Send',
    'interest.sent': 'Interest sent', 'interest.list': 'Interests I expressed', 'interest.patent': 'Patent', 'interest.at': 'When',
    'search.title': 'Search patents', 'search.q': 'Search terms (Chinese or English)', 'search.go': 'Search', 'search.ipc': 'IPC prefix', 'search.applicant': 'Applicant',
    'search.transferMode': 'Transfer mode', 'search.legalStatus': 'Legal status', 'search.any': 'Any', 'search.total': '{n} patents',
    'search.facets': 'Refine', 'search.clear': 'Clear filters', 'facet.legalStatus': 'Legal status', 'facet.transferModes': 'Transfer mode',
    'facet.ipcClass': 'IPC subclass', 'facet.applicants': 'Applicant', 'search.prev': 'Previous', 'search.next': 'Next',
    'upload.title': 'Upload the inventory', 'upload.help': 'Choose an Excel (.xlsx), CSV (GBK or UTF-8) or NDJSON file; the first row names the columns, in Chinese or English.',
    'upload.file': 'Inventory file (.xlsx, .csv or .ndjson / .jsonl)', 'upload.go': 'Upload', 'upload.sample': 'Download the sample inventory (CSV)',
    'upload.accepted': '{n} accepted', 'upload.rejectedTotal': '{n} rejected', 'upload.progress': 'Indexing progress',
    'upload.state': 'State',
    'upload.rejected': 'Rejected rows (fix them and upload again)', 'upload.downloadRejected': 'Download the {n} rejected rows (CSV)', 'upload.line': 'Line', 'upload.field': 'Field', 'upload.message': 'Problem',
    'upload.badType': 'Choose a .xlsx, .csv, .ndjson or .jsonl file', 'upload.noFile': 'Choose a file first',
    'patents.title': 'Our patents and their pairings', 'patents.help': "How our patents are being paired, and why enterprises declined them.",
    'patents.pairings': 'Pairings', 'patents.declined': 'Decline reasons', 'patents.notes': 'Notes', 'patents.interests': 'Enterprise interests',
    'patents.lookup': 'Look up a patent', 'patents.pn': 'Publication number',
    'inventory.title': 'Our inventory', 'inventory.help': 'Every patent we have listed, newest first: filter, edit, withdraw or list again.',
    'inventory.q': 'Search (title, publication or application number)', 'inventory.status': 'Status', 'inventory.anyStatus': 'All', 'inventory.filter': 'Filter', 'inventory.reset': 'Clear filters',
    'inventory.pn': 'Publication number', 'inventory.name': 'Title', 'inventory.legal': 'Legal status', 'inventory.modes': 'Transfer modes', 'inventory.listing': 'Status',
    'inventory.updated': 'Updated', 'inventory.actions': 'Actions', 'inventory.edit': 'Edit', 'inventory.withdraw': 'Withdraw', 'inventory.relist': 'List again',
    'inventory.more': 'Show more', 'inventory.total': '{n} patents, {shown} shown', 'inventory.shown': '{shown} matching patents shown',
    'inventory.moreToSearch': 'Some patents are still to be looked through: "Show more" goes on', 'inventory.empty': 'No patents listed yet.', 'inventory.noMatch': 'No patent matches these filters.',
    'inventory.withdrawn': '{pn} withdrawn: no longer in search or matching', 'inventory.relisted': '{pn} listed again: back in search and matching',
    'inventory.saved': '{pn} saved', 'inventory.noChange': 'Nothing changed',
    'edit.title': 'Edit {pn}', 'edit.name': 'Title', 'edit.abstract': 'Abstract', 'edit.keywords': 'Keywords (comma or semicolon separated)', 'edit.legalStatus': 'Legal status',
    'edit.transferModes': 'Transfer modes', 'edit.save': 'Save changes', 'edit.cancel': 'Cancel',
    'history.title': 'Import history', 'history.help': 'Our imports of the last 30 days, newest first.', 'history.at': 'When', 'history.state': 'State',
    'history.accepted': 'Accepted', 'history.created': 'New', 'history.updated': 'Updated', 'history.unchanged': 'Unchanged', 'history.rejected': 'Rejected',
    'history.indexed': 'Indexed', 'history.empty': 'No imports yet',
    'pairing.inbox': 'Pairing inbox', 'pairing.live': 'live', 'pairing.offline': 'reconnecting', 'pairing.state': 'State', 'pairing.need': 'Need',
    'pairing.patent': 'Patent', 'pairing.score': 'Score', 'pairing.enterprise': 'Enterprise', 'pairing.created': 'Created', 'pairing.updated': 'Updated',
    'pairing.open': 'Open', 'pairing.detail': 'Pairing', 'pairing.history': 'History', 'pairing.next': 'Next step',
    'pairing.moveTo': 'Move to: {s}', 'pairing.decline': 'Decline', 'pairing.reason': 'Reason', 'pairing.note': 'Note',
    'pairing.confirmDecline': 'Confirm decline', 'pairing.final': 'This pairing has ended', 'pairing.at': 'When', 'pairing.actor': 'By',
    'pairing.from': 'From', 'pairing.to': 'To', 'pairing.allStates': 'All states', 'pairing.newArrived': 'New pairing arrived',
    'pairing.count': '{n} pairings', 'pairing.more': 'Load more', 'pairing.why': 'Why it matched', 'pairing.matchedTerms': 'Shared technical terms',
    'kind.invention': 'Invention', 'kind.utility-model': 'Utility model', 'kind.design': 'Design',
    'facts.yearsLeft': 'about {n} years left', 'facts.expired': 'term expired', 'facts.anyMode': 'any transfer mode',
    'funnel.title': 'Pairing funnel', 'funnel.help': 'Pairings in this centre\'s scope by state (how many reached each state).', 'funnel.reached': 'reached', 'funnel.now': 'now',
    'routing.title': 'Scope', 'routing.help': 'Which matches become this centre\'s pairings.', 'routing.provinces': 'Provinces (comma separated, empty for all)',
    'routing.ipcPrefixes': 'IPC prefixes (comma separated, empty for all)', 'routing.minScore': 'Lowest likelihood of relevance (0–1)', 'routing.minScoreDefault': 'Empty: push from where matches are strong', 'routing.maxPerNeed': 'Most pairings per need',
    'routing.dailyCap': 'Most pushes a day (empty: no cap)', 'routing.noCap': 'no cap', 'routing.delivery': 'Delivery', 'routing.digestHours': 'Digest period (hours)',
    'webhooks.title': 'Webhooks', 'webhooks.help': 'New pairings and their changes are pushed to your systems by the Standard Webhooks spec; each delivery is logged and can be sent again.',
    'webhooks.url': 'Receiver URL', 'webhooks.events': 'Events', 'webhooks.create': 'Register webhook', 'webhooks.enabled': 'enabled', 'webhooks.disabled': 'disabled',
    'webhooks.enable': 'Enable again', 'webhooks.delete': 'Delete', 'webhooks.confirmDelete': 'Delete this webhook and its delivery log?', 'webhooks.deliveries': 'Delivery log',
    'webhooks.redeliver': 'Send again', 'webhooks.redelivered': 'Queued again', 'webhooks.noDeliveries': 'No deliveries yet',
    'webhooks.secretOnce': 'The signing secret is shown only this once; copy it into the receiver:', 'webhooks.event': 'Event', 'webhooks.attempt': 'Attempt', 'webhooks.answer': 'Answer',
    'webhooks.duration': 'Took', 'webhooks.outcome': 'Outcome',
   
    'funnel.chart': 'Pairing funnel chart',
    'routing.notSet': 'No scope yet: set one to receive pairings.',
    'pool.title': 'Cultivation pool', 'pool.quota': 'Quota', 'pool.in': 'In the pool', 'pool.recommended': 'Recommended', 'pool.placesLeft': 'Places left',
    'pool.graduated': 'Graduated', 'pool.withdrawn': 'Withdrawn', 'pool.flagged': 'Flagged', 'pool.rolling': 'Rolling allowance', 'pool.addedByRolling': 'Added by rolling',
    'pool.enterprise': 'Enterprise', 'pool.status': 'Status', 'pool.since': 'Since', 'pool.round': 'Round', 'pool.empty': 'No enterprise in the pool yet',
    'pool.recommend': 'Recommend an enterprise', 'pool.enterpriseId': 'Enterprise id', 'pool.roundId': 'Round', 'pool.recommendGo': 'Recommend',
    'stats.title': 'Figures', 'stats.export': 'Export CSV', 'stats.year': 'Year', 'stats.figure': 'Figure', 'stats.value': 'Value',
    'stats.needs': 'Needs', 'stats.matches': 'Matches', 'stats.pairings': 'Pairings', 'stats.agreements': 'Agreements', 'stats.industrialised': 'Industrialised',
    'stats.downloaded': 'CSV downloaded',
    'admin.orgs': 'Organisations', 'admin.newOrg': 'Register an organisation', 'admin.name': 'Name', 'admin.kind': 'Kind', 'admin.province': 'Province',
    'admin.create': 'Register', 'admin.issueKey': 'Issue key', 'admin.keyOnce': 'New key (shown only this once; copy it):',
    'admin.rounds': 'Rounds', 'admin.roundName': 'Round name', 'admin.deadline': 'Deadline', 'admin.createRound': 'Create round', 'admin.id': 'Id',
  },
}

let lang = localStorage.getItem('pb.lang') === 'en' ? 'en' : 'zh'

export const getLang = () => lang

export function setLang(next) {
  lang = next === 'en' ? 'en' : 'zh'
  localStorage.setItem('pb.lang', lang)
  document.documentElement.lang = lang === 'zh' ? 'zh-CN' : 'en'
}

/** Adds words given by the server (`{zh: {key: word}, en: {key: word}}`): the names of the domain's values. */
export function addWords(words) {
  for (const l of Object.keys(DICT)) Object.assign(DICT[l], words[l])
}

/** The word for `key`, with `{name}` placeholders filled; the key itself when missing. */
export function t(key, vars) {
  let s = DICT[lang][key] ?? DICT.zh[key] ?? key
  if (vars) for (const [k, v] of Object.entries(vars)) s = s.replaceAll(`{${k}}`, String(v))
  return s
}
