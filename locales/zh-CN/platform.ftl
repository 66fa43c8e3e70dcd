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
web-waiting = 共 { $count } 条等待审核
web-queue-empty = 没有等待审核的需求。
web-reject-reason = 驳回理由
web-reason-required = 驳回需要填写理由。
web-approved = 需求 #{ $id } 已通过并发布。
web-rejected = 需求 #{ $id } 已驳回。
web-forbidden = 您无权查看或操作这里的内容。
web-bad-form = 表单已过期，请刷新页面后重试。
web-not-found = 页面不存在。
# /web 命令
web-link = 管理平台登录链接（10 分钟内有效，只能使用一次，请勿转发）：
    { $url }
web-link-staff-only = 管理平台只对管理员和 12349 热线接线员开放。
web-unavailable = 管理平台未启用。
