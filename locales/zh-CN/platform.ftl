# 网页管理平台（信息管理平台）
web-title = 时间银行管理平台
web-nav-dashboard = 概览
web-nav-review = 待审核
web-sign-out = 退出登录
web-signed-out-none = 您尚未登录。
web-signed-out-expired = 登录已过期，请重新登录。
web-signed-out-bad-link = 这个登录链接无效、已过期或已经用过。
web-how-to-sign-in = 请在聊天中向机器人发送 /web，获取一次性登录链接（10 分钟内有效，只能使用一次）。
web-queue-review = 待审核需求
web-queue-certify = 待认证服务
web-elders-served = 服务老人
web-person-times = 服务人次
web-hours = 服务时长
web-active-volunteers = 活跃志愿者
web-rating = 平均评分
web-this-month = 本月
web-last-month = 上月
web-reason-required = 请填写理由（对方会看到）。
web-forbidden = 您无权查看或操作这里的内容。
web-bad-form = 表单已过期，请刷新页面后重试。
web-not-found = 页面不存在。

web-nav-certify = 待认证
web-waiting-review = 共 { $count } 条等待审核
web-waiting-certify = 共 { $count } 条服务等待认证
web-empty-review = 没有等待审核的需求。
web-empty-certify = 没有等待认证的服务。
web-reason = 理由（对方会看到）
web-minutes = 认证分钟数
web-minutes-required = 调整时长需要填写认证的分钟数。
web-served = 志愿者 { $volunteer } 汇报服务 { $minutes } 分钟，评分 { $rating }
web-disputed = 有异议：{ $reason }
web-done-approve = 需求 #{ $id } 已通过并发布。
web-done-reject = 需求 #{ $id } 已驳回。
web-done-certify = 需求 #{ $id } 的服务已认证。
web-done-adjust = 需求 #{ $id } 的服务已按调整后的时长认证。
web-done-refuse = 需求 #{ $id } 的服务不予认证。
web-failed = 出了点问题，请稍后再试。
# /web 命令
web-link = 管理平台登录链接（10 分钟内有效，只能使用一次，请勿转发）：
    { $url }
web-link-staff-only = 管理平台只对管理员和 12349 热线接线员开放。
web-unavailable = 管理平台未启用。
