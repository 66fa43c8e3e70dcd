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
web-reason-required = Please give a reason (they will see it).
web-forbidden = You may not see or do this.
web-bad-form = This form has expired. Reload the page and try again.
web-not-found = There is no such page.

web-nav-certify = To certify
web-waiting-review = { $count ->
    [one] 1 need waits for review
   *[other] { $count } needs wait for review
}
web-waiting-certify = { $count ->
    [one] 1 service waits for certification
   *[other] { $count } services wait for certification
}
web-empty-review = No needs wait for review.
web-empty-certify = No services wait for certification.
web-reason = Reason (they will see it)
web-minutes = Minutes to certify
web-minutes-required = Certifying fewer minutes needs the number of minutes.
web-served = { $volunteer } reported { $minutes } minutes; rating { $rating }
web-disputed = Disputed: { $reason }
web-done-approve = Need #{ $id } is approved and published.
web-done-reject = Need #{ $id } is rejected.
web-done-certify = The service of need #{ $id } is certified.
web-done-adjust = The service of need #{ $id } is certified for fewer minutes.
web-done-refuse = The service of need #{ $id } is not certified.
web-failed = Something went wrong. Please try again later.
web-nav-members = Members
web-search-hint = Name, member number or last four digits of a phone
web-role = Role
web-any-role = Any role
web-search = Search
web-found = { $count ->
    [one] 1 member found
   *[other] { $count } members found
}
web-name = Name
web-roles = Roles (unit)
web-verification = Verified
web-training = Training (minutes)
web-phone = Phone
web-nav-audit = Admin log
web-audit-action = Action (e.g. need. or need.certify)
web-audit-member = Member number
web-audit-when = When
web-audit-who = Who
web-audit-what = Action
web-audit-unit = Unit
web-audit-target = About
web-audit-before = Before
web-audit-after = After
web-nav-desk = Hotline desk
web-desk-new-elder = Register an elder (no chat account needed)
web-desk-first-need = First need
web-desk-register = Register and post the need
web-desk-next-need = Post a need for them
web-desk-post = Post the need
web-desk-posted = Need #{ $id } is posted for the elder.
web-fix-fields = Please correct the fields marked below.
web-contact = Contact
web-contact-hidden = On file (shown to the unit's admins only)
web-balance = Credits
web-held = { $held } held
web-family = Family
web-no-family = No family linked.
web-unconfirmed = not confirmed
web-needs = Needs
web-field-categoryCode = Service
web-invalid-categoryCode = Choose a service.
web-field-description = What is needed
web-invalid-description = Say what is needed (at most 500 characters).
web-field-date = Date
web-invalid-date = Choose a date.
web-field-start = From
web-invalid-start = Give a start time.
web-field-end = To
web-invalid-end = Give an end time.
web-field-expectedMinutes = Expected minutes
web-invalid-expectedMinutes = Expected minutes must be a whole number from 1 to 1440.
web-field-unitId = Unit
web-invalid-unitId = Choose a unit.
web-field-name = Elder's name
web-invalid-name = Give the elder's name (at most 60 characters).
web-field-birthYear = Year of birth
web-invalid-birthYear = Give a four-digit year of birth.
web-field-phone = Phone
web-invalid-phone = A phone is 6 to 15 digits.
web-field-address = Address
web-invalid-address = An address is at most 200 characters.
web-field-formKey = Form
web-invalid-formKey = This form has expired; reload the page.
web-field-priority = Priority groups
web-invalid-priority = Not a priority group.
web-field-form = Form
web-invalid-form = The form has an error.
web-nav-units = Units and rules
web-unit = Unit
web-level = Level
web-members = Members
web-open-needs = Open needs
web-policy = Rules
web-policy-title = Rules of { $unit } (version { $version })
web-policy-rule = Rule
web-policy-value = In force
web-policy-from = Set by
web-set = Set
web-policy-set = { $key } is set; the new rule applies at once.
web-policy-invalid = “{ $value }” is not a valid value for this rule.
# /web command
web-link = Your console sign-in link (valid for 10 minutes, once; do not forward it):
    { $url }
web-link-staff-only = The console is for admins and 12349 hotline operators.
web-unavailable = The web console is not running.
