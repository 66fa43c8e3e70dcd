# The web console (information management platform)
web-title = Time bank console
web-nav-dashboard = Overview
web-nav-review = To review
web-sign-out = Sign out
web-signed-out-none = You are not signed in.
web-signed-out-expired = Your session has ended. Please sign in again.
web-signed-out-bad-link = This sign-in link is not valid, has expired, or was already used.
web-how-to-sign-in = Send /web to the bot in a chat to get a one-time sign-in link (valid for 10 minutes, once).
web-queue-review = Needs to review
web-queue-certify = Services to certify
web-elders-served = Elders served
web-person-times = Services
web-hours = Hours of service
web-active-volunteers = Active volunteers
web-rating = Average rating
web-this-month = this month
web-last-month = last month
web-waiting = { $count ->
    [one] 1 need waits for review
   *[other] { $count } needs wait for review
}
web-queue-empty = No needs wait for review.
web-reject-reason = Reason for rejecting
web-reason-required = Rejecting needs a reason.
web-approved = Need #{ $id } is approved and published.
web-rejected = Need #{ $id } is rejected.
web-forbidden = You may not see or do this.
web-bad-form = This form has expired. Reload the page and try again.
web-not-found = There is no such page.
# /web command
web-link = Your console sign-in link (valid for 10 minutes, once; do not forward it):
    { $url }
web-link-staff-only = The console is for admins and 12349 hotline operators.
web-unavailable = The web console is not running.
