# Conversation messages (English is the second language). Variables are { $name }.
language-name = English
welcome = Hello! This is the community time bank: serve elders, bank the time, spend it when you need help. Choose a language:
please-start = You are not registered yet. Send /start to begin.
already-registered = { $name }, you are already registered. Send /help to see what you can do.
channel-linked = This account is now linked to your time-bank membership.
ask-lang = Choose a language:
done-lang = Switched to English.
ask-role = Who are you?
role-volunteer = Volunteer
role-elder = Elder
role-family = Family member of an elder
role-admin = Admin
role-hotline = Hotline operator
ask-name = What is your name?
ask-birth = Your year of birth, e.g. 1956:
ask-unit = Choose your community:
ask-phone = Your phone number (you may skip):
ask-phone-elder = A phone number the volunteer can call you on:
ask-address = Your address (only your volunteer and the admins will see it):
ask-priority = Tick any that apply (several allowed), then press Done:
ask-code = The elder's 6-digit family code (the elder gets it by sending /family):
ask-relation = You are the elder's:
relation-spouse = Spouse
relation-parent = Parent
relation-child = Child
relation-grandparent = Grandparent
relation-grandchild = Grandchild
relation-sibling = Sibling
relation-other = Other relative
priority-empty_nest = Living alone
priority-left_behind = Left behind
priority-disabled_care = Needs daily care
priority-disability = Disability
priority-advanced_age = Very old
priority-family_planning = Family-planning hardship
priority-low_income = Minimum-income support
priority-extreme_poverty = Extreme poverty
btn-skip = Skip
btn-done = Done
btn-submit = Submit
btn-cancel = Cancel
btn-accept = I'll do it
btn-approve = Approve
btn-reject = Reject
btn-certify = Certify
btn-dispute = Something's wrong
btn-answer = Give my side
btn-report = Report done
btn-contact = Elder's contact
btn-withdraw = Give it back
btn-confirm-family = Yes, family
btn-verify = Verified
btn-pay-credits = Use my credits
btn-pay-free = Ask for free service
btn-at-home = At the elder's home
bad-choice = Please press one of the options below.
bad-name = Please keep the name under 60 characters.
bad-birth-year = Please type the year of birth as four digits, e.g. 1956.
bad-phone = That is not a phone number; digits only, please.
bad-address = Please keep the address under 200 characters.
bad-code = That code is wrong or expired; ask the elder for a new one (/family).
bad-description = Please say in a sentence or two what help is needed (up to 500 characters).
bad-day = Please pick a day, or type a date like 2026-06-02.
bad-window = Please pick a time, or type a window like 09:00-11:00.
bad-minutes = Please type a whole number of minutes, e.g. 60.
bad-reason = Please give a short reason (up to 300 characters).
registered-volunteer = Welcome, { $name }! You are registered as a volunteer. After { $training } minutes of training you can take needs: send /tasks.
registered-elder = Welcome, { $name }! Once a community admin has verified you, you can ask for help with /need.
registered-family = Registered. Once the elder confirms, you can post needs and confirm services for them.
cancelled = Cancelled.
unknown-input = Sorry, I did not understand. Send /help to see what you can do.
unknown-command = There is no /{ $name } command. Send /help to see what you can do.
button-expired = That button no longer works; please start again.
button-not-yours = That button is not for you.
error-internal = Sorry, something went wrong and nothing was done. Please try again in a moment.
help-unregistered = Send /start to register, /lang to change the language.
help-all =
    /balance your credits  /history your entries
    /gift to a direct relative  /donate  /goods exchange for goods
    /lang language  /link link another chat account  /cancel stop what you are doing
    /certificate [period] service-record certificate  /verify CODE check one
    Other banks: /banks  /address your address  /relative BANK:NO RELATION  /send BANK:NO MINUTES  /pay BANK:ELDER NEED MINUTES  /move BANK:NO
help-volunteer = Volunteers: /tasks needs you can take  /mytasks your tasks
help-elder = Elders: /need ask for help  /confirm confirm and rate a service  /myneeds your needs  /family a code for your family
help-family = Family: /need ask for help for your elder  /confirm confirm and rate  /myneeds progress
help-admin =
    Admins: /review needs to review  /certify services to certify  /grant ID MINUTES  /fund UNIT MINUTES (grant pool)  /train ID MINUTES  /qualify ID
    /verify ID  /members NAME  /role ID ROLE [UNIT]  /unit [add NAME LEVEL | bind [UNIT] | unbind]
    /policy [UNIT] rules  /policy set [UNIT] NAME VALUE  /audit [ACTION] [#MEMBER] admin log
    /broadcast [volunteer|elder|family] TEXT  /stats [DAYS]  /elder NAME YEAR PHONE ADDRESS  /linkfamily ELDER RELATIVE RELATION
    /chart statistics chart  /export [period] service records  /web sign-in link to the web console
    Root admins: /bank add CODE URL KEY LIMIT_OUT LIMIT_IN (a peer bank)  /moves  /approvemove ID  /cancelmove ID
help-hotline = Hotline: /elder NAME YEAR PHONE ADDRESS (register an elder)  /need ELDER_ID (post for them)  /members NAME  /web web console
tier-ordinary = ordinary
tier-technical = technical
tier-professional = professional
need-summary =
    #{ $id } { $category } ({ $tier }) · { $elder } · { $unit }
    When: { $start } – { $end }, about { $minutes } min
    { $description }
ask-which-elder = Which elder is this for?
need-staff-usage = Give the elder's number, e.g. /need 12 (find it with /members NAME).
need-nobody = You are not linked to an elder yet. Elders can post for themselves; family members register with the elder's code.
ask-category = What kind of help? (× is the credit multiplier)
ask-description = In a sentence or two, what exactly is needed?
ask-place = Where? (press "At the elder's home" or type a place)
ask-day = Which day?
day-0 = Today
day-1 = Tomorrow
day-2 = Day after
ask-window = What time?
ask-minutes = About how long?
minutes-label = { $minutes } min
ask-pay = You have { $hours } of credits. How should this service be arranged?
need-draft =
    Please check: { $category } · { $start } · { $minutes } min · { $pay }
    { $description }
ask-confirm-need = Submit it?
need-posted-review = Need #{ $id } is submitted and waits for the community's review. Volunteers hear about it once approved.
need-posted-published = Need #{ $id } is published; waiting for a volunteer.
tasks-empty = There are no needs you can take right now.
mytasks-empty = You have no tasks in progress.
confirm-empty = There is nothing for you to confirm.
mytasks-title = Your tasks ({ $count }):
confirm-title = To confirm: { $page } of { $total }
myneeds-empty = No needs in progress.
review-empty = No needs are waiting for review.
certify-empty = No services are waiting for certification.
members-empty = Nobody found.
status-pending_review = waiting for review
status-published = waiting for a volunteer
status-accepted = taken
status-reported = waiting for confirmation
status-confirmed = waiting for certification
status-certified = certified
status-rejected = rejected
status-cancelled = cancelled
status-expired = expired
status-disputed = disputed
done-accepted =
    It's yours! Need #{ $id }
    Elder: { $elder }  Phone: { $phone }
    Address: { $address }
    Press "Report done" when you have finished.
elder-contact = Elder: { $elder }  Phone: { $phone }  Address: { $address }
done-withdrawn = Given back; need #{ $id } is open to other volunteers again.
ask-minutes-report = How many minutes did the service actually take?
ask-minutes-gift = How many minutes to give?
ask-minutes-donate = How many minutes to donate?
ask-minutes-goods = How many minutes of goods?
ask-gift-to = To which relative?
done-reported = Reported need #{ $id }: { $minutes } minutes. Waiting for the elder to confirm.
done-confirmed = Thank you for rating ({ $rating } stars)!
ask-reason-reject = Why is need #{ $id } rejected?
ask-reason-dispute = What went wrong with need #{ $id }?
ask-reason-answer = How did the service for need #{ $id } go? (The admins will see both sides.)
done-rejected = Need #{ $id } rejected; the requester has been told.
done-disputed = Noted; an admin will look into need #{ $id }.
done-answered = Noted; an admin will decide on need #{ $id } with both sides.
done-approved = Need #{ $id } approved and published to volunteers.
done-certified = Need #{ $id } certified: { $minutes } minutes credited.
done-gift = Gave { $hours }.
done-donate = Donated { $hours }. Thank you!
done-goods = Exchanged { $hours } for goods.
done-need-cancelled = Need #{ $id } cancelled.
done-family-confirmed = Family link confirmed.
done-verified = Verified.
done-grant = Granted { $hours } of free service to #{ $id }.
done-train = Training recorded; #{ $id } has { $total } minutes in all.
done-qualify = Qualification verified for #{ $id }: { $category }.
done-role = #{ $id } is now { $role }.
done-elder = Registered elder #{ $id } { $name }.
done-unit = Created unit #{ $id } { $name }.
done-bind = This group is now bound to unit #{ $id }; its needs and announcements will be posted here.
bind-in-group = Send this command in the group you want to bind.
done-broadcast = Announcement sent.
family-code = Your family code is { $code } (valid for 24 hours). Give it to your family member.
link-code = Link code: { $code }. In the other chat app, send /start { $code } to the bot (valid for 24 hours).
member-line = #{ $id } { $name } · { $roles } · { $verification } · training { $training } min
verification-unverified = unverified
verification-pending = waiting for verification
verification-verified = verified
verification-rejected = not accepted
balance = Available: { $available }  Held: { $held }  Lifetime service: { $lifetime }  Stars: { $stars }★
balance-goods = Available: { $available }  Held: { $held }  Lifetime service: { $lifetime }  Stars: { $stars }★  Goods quota: { $goods }
history-title = Your entries (page { $page }; next page: /history { $next }):
history-line = { $when } { $reason } { $minutes } min ({ $status })
history-empty = No entries yet.
reason-certify = service certified
reason-spend = service redeemed
reason-gift = gift
reason-donate = donation
reason-grant = free hours
reason-goods = goods
reason-over-cap = over the cap, donated
reason-reversal = correction
reason-move = moved to another bank
transfer-posted = posted
transfer-pending = held
transfer-voided = released
stats = { $unit }, last { $days ->
        [one] day
       *[other] { $days } days
    }: { $elders ->
        [one] 1 elder
       *[other] { $elders } elders
    } served, { $times ->
        [one] 1 service
       *[other] { $times } services
    }, { $hours }; { $volunteers ->
        [one] 1 active volunteer
       *[other] { $volunteers } active volunteers
    }; average rating { $rating }.
group-need-open = 🙋 New need, who can help?
group-need-taken = ✅ Taken by { $volunteer }:
group-need-closed = ⛔ Closed:
note-need-submitted = A new need waits for review:
note-need-published = Your need #{ $id } was approved and is waiting for a volunteer.
note-need-rejected = Your need #{ $id } was not approved: { $reason }
note-need-accepted = Good news! { $volunteer } took need #{ $id } ({ $category }) and will come at { $start }.
note-need-withdrawn = The volunteer gave need #{ $id } back; we are looking for someone else.
note-need-reported = { $volunteer } reports need #{ $id } done: { $minutes } minutes. Please confirm and rate:
note-need-confirmed = Need #{ $id } confirmed ({ $rating } stars); please certify:
note-need-disputed = Need #{ $id } is disputed: { $reason }
note-need-disputed-volunteer = The elder's side disputes your service for need #{ $id }: { $reason }
    You may give your side; an admin decides after reading both.
note-need-answered = The volunteer answered the dispute about need #{ $id }.
    Elder's side: { $reason }
    Volunteer: { $answer }
note-need-certified = Need #{ $id } certified: { $credited } credited. You now have { $balance }, { $stars }★. Thank you!
note-need-cancelled = Need #{ $id } was cancelled; no need to go.
note-need-expired = Nobody took need #{ $id } in time; it is closed. You can post it again.
note-gift = { $from } gave you { $hours } of credits.
note-grant = Your community granted you { $hours } of free service.
note-family-requested = Please check: { $name } (member #{ $id }, born { $year }) says they are your { $relation } and wants to help with your time bank (post needs for you, confirm services, receive your gifts). If you do not know this person, press “Not my family”.
note-family-confirmed = { $name } confirmed you as family.
note-member-pending = A new elder waits for verification: { $name } (born { $year }), { $unit }
note-broadcast = 📢 { $unit }: { $text }
btn-no-code = I have no code
registered-family-nocode = Registered. Ask your community admin to link you to your elder.
not-text = I can only read text and buttons. Send /help to see what you can do.
cmd-start = Register, or link this account
cmd-help = What you can do
cmd-need = Ask for help
cmd-tasks = Needs you can take
cmd-mytasks = Your tasks
cmd-confirm = Confirm and rate a service
cmd-balance = Your time credits
cmd-history = Your entries
cmd-gift = Give to a direct relative
cmd-donate = Donate time
cmd-lang = Change language
cmd-link = Link another chat account
cmd-cancel = Stop what you are doing
cmd-review = Review needs
cmd-certify = Certify services
cmd-members = Find members
cmd-grant = Grant free hours
cmd-train = Record training
cmd-unit = Units and group binding
cmd-broadcast = Send an announcement
cmd-stats = Statistics
note-reminder = ⏰ Reminder: need #{ $id } ({ $category }) that you took starts at { $start } (in about { $hours } h).
note-followup = Hello, the volunteer reported the service and we have not heard from you yet:
note-escalate = Need #{ $id } was reported { $hours } hours ago and is still not confirmed; please follow up.
note-goods-settled = Your goods quota for this period has been settled ({ $hours }).
note-digest = { $count } needs are waiting for volunteers this week:
note-monthly = { $unit }, last month: { $elders ->
        [one] 1 elder
       *[other] { $elders } elders
    } served, { $times ->
        [one] 1 service
       *[other] { $times } services
    }, { $hours }; { $volunteers ->
        [one] 1 active volunteer
       *[other] { $volunteers } active volunteers
    }; average rating { $rating }.
note-commendation =
    { $unit }: the year's commendation
    Most hours served:
    { $top }
    Star promotions this year: { $promoted }
bad-period = Write the period as 2026, 2026-03 or 2026-01..2026-06 (nothing for all time).
certificate-caption = Your service-record certificate ({ $hours } in the period), code { $code }.
verify-ok = ✅ Genuine: { $code } certifies that { $member } ({ $unit }) served { $hours } in { $period } ({ $detail }); issued { $issued }.
verify-unknown = ❌ No certificate has this code. Please check it.
chart-title = { $unit }: the last 12 months
chart-hours = hours served
chart-times = services
export-caption = Certified service records: { $count } rows (XLSX and CSV).
note-role-offered = { $by } invites you to be { $role } at “{ $unit }”. If you accept, that unit's admins can record your training, verify you and so on. Accept?
btn-accept-role = Accept
btn-decline-role = Decline
done-role-accepted = Accepted: you are now { $role }.
done-role-declined = You declined the invitation.
done-role-offered = #{ $id } is not in a unit you administer: they have been invited ({ $role }); it takes effect when they accept.
done-unbind = This group is no longer bound to unit #{ $id }; needs and announcements stop here.
amount-minutes = { $minutes ->
        [one] 1 minute
       *[other] { $minutes } minutes
    }
amount-hours = { $hours ->
        [one] 1 hour
       *[other] { $hours } hours
    }
amount-hours-minutes = { $hours ->
        [one] 1 hour
       *[other] { $hours } hours
    } { $minutes ->
        [one] 1 minute
       *[other] { $minutes } minutes
    }
note-family-requested-by = (entered by admin { $admin })
btn-decline-family = Not my family
done-family-declined = Declined: this person will not be linked to you.
done-family-requested = The elder has been asked to confirm; the link takes effect once they do.
role-at = { $role } ({ $unit })
field-input = input
field-text = text (it has characters that cannot be read)
field-minutes = minutes
field-reason = reason
field-startAt = start time
field-endAt = end time
field-expectedMinutes = expected duration
field-role = role
field-categoryCode = category
field-toMemberId = recipient
field-relativeId = relative's number
field-relative = relative's number
field-elderId = elder's number
field-elder = elder's number
field-member = member number
field-memberId = member number
field-unit = unit number
field-unitId = unit number
field-id = number
field-need = need number
field-needId = need number
field-page = page
field-days = days
field-birthYear = year of birth
field-name = name
field-phone = phone
field-address = address
field-description = description
field-place = place
field-rating = rating
field-relation = relation
field-bankAddress = address at another bank (BANKCODE:MEMBERNO, e.g. bj:12)
field-code = bank code
field-url = bank address (http:// or https://)
field-publicKey = bank public key
field-limit = limit (minutes)
field-add = subcommand (/bank add …)
field-move = move number
field-to = recipient
field-priority = priority category
field-level = unit level
field-key = rule name
field-value = rule value
field-patch = rule value
field-policy = rule
ask-qualify = Which professional qualification of #{ $id } did you verify?
level-province = province
level-city = city
level-district = district
level-county = county
level-street = street
level-township = township
level-community = community
level-property = estate
level-family = family
level-station = station
ask-pay-elder = { $elder } has { $hours } of credits. Pay for this service with { $elder }'s credits? (They are held now, spent only when the service is certified, and the elder is told.)
btn-pay-elder-credits = Use the elder's credits
note-credit-held = { $by } posted need #{ $id } for you and held { $amount } of your credits for it (spent only when the service is certified; returned if it is cancelled).
note-credit-spent = The service of need #{ $id } was certified; { $amount } of your credits paid for it.
policy-title = Rules in force at { $unit } (version { $version }):
done-policy = Changed. Rules in force at { $unit } (version { $version }):
policy-line = { $name } ({ $key }): { $value } · from { $from }
policy-default = default
policy-none = no limit
policy-yes = yes
policy-no = no
policy-usage = To change: /policy set [UNIT] NAME VALUE, e.g. /policy set goodsShare 0.5
policy-multipliers-ordinary = ordinary service multiplier
policy-multipliers-technical = technical service multiplier
policy-multipliers-professional = professional service multiplier
policy-minVolunteerAge = volunteers' minimum age
policy-minElderAge = elders' minimum age
policy-trainingMinutesRequired = training minutes before serving
policy-reviewRequired = needs are reviewed
policy-autoCertify = certify on confirmation
policy-dailyCapMinutes = daily service cap (minutes)
policy-maxServiceMinutes = longest service (minutes)
policy-storageCapMinutes = storage cap (minutes)
policy-overCap = above the cap (donate / truncate)
policy-giftRelations = relations that may receive gifts
policy-goodsShare = share for goods
policy-settlementMonths = goods settlement period (months)
policy-redemptionAge = minimum age to redeem
policy-hardshipRedemptionAge = minimum age to redeem (hardship)
policy-grantMaxMinutes = most minutes per grant
policy-grantYearMaxMinutes = most granted minutes per elder per year
policy-starThresholdsHours = hours for 1★ to 5★
audit-title = Admin log (newest first; filter with /audit ACTION #MEMBER pPAGE):
audit-empty = No entries match.
audit-line = { $when } · { $actor } · { $action } · { $unit } · { $target } { $change }
audit-broadcast = announcement
audit-category-set = category set
audit-credit-grant = free hours granted
audit-credit-reverse = transfer reversed
audit-elder-register = elder registered
audit-family-link = family linked
audit-family-request = family link requested
audit-family-confirm = family link confirmed
audit-family-decline = family link declined
audit-family-remote-link = relative at another bank confirmed
audit-grant-fund = grant pool funded
audit-group-bind = group bound
audit-group-unbind = group unbound
audit-need-cancel = need cancelled
audit-need-certify = service certified
audit-need-refuse = certification refused
audit-need-review = need reviewed
audit-policy-set = rule changed
audit-role-add = role given
audit-role-offer = role offered
audit-role-accept = role accepted
audit-role-decline = role declined
audit-unit-create = unit created
audit-unit-rename = unit renamed
audit-member-verify = member verified
audit-member-priority = priority set
audit-member-training = training recorded
audit-member-qualify = qualification verified
done-fund = Funded unit #{ $id }'s grant pool with { $amount }; it now holds { $pool }.
done-refused = Certification of need #{ $id } refused; the volunteer and the elder's side have been told.
ask-reason-refuse = Why is need #{ $id } not certified? (The volunteer will see this.)
ask-reason-adjust = Why do you certify fewer minutes for need #{ $id }? (The volunteer will see this.)
ask-minutes-adjust = How many minutes do you certify? (At most what the volunteer reported.)
btn-adjust = Adjust minutes
btn-refuse = Refuse
note-certify-adjusted = An admin adjusted the certified minutes: { $reason }
note-need-refused = The service of need #{ $id } was not certified: { $reason }
cmd-fund = Fund a grant pool
cmd-policy = Rules
cmd-audit = Admin log
reason-fund = grant pool funding
review-title = Needs to review (page { $page } of { $pages }, { $total } in all):
certify-title = Services to certify (page { $page } of { $pages }, { $total } in all):
btn-prev = ‹ Previous
btn-next = Next ›
tasks-title = { $count ->
        [one] A need you can take:
       *[other] { $count } needs you can take, soonest first:
    }

# 通存通兑 across banks
banks-self = This bank: { $code }, at { $url }. Its public key (give it to a peer bank's admins): { $key }
banks-member = Your credits can go to relatives at these banks: { $banks }. /address gives yours.
banks-empty = This bank clears credits with no other bank yet.
banks-title = Banks this one clears credits with (position: minutes we owe them; negative: they owe us):
banks-line = { $code } ({ $name }): position { $position } min, { $pending } min on their way, limits { $out } out / { $in } in { $statement }
banks-line-waiting = { $code } ({ $name }): waiting for them to add this bank too
banks-statement-ok = · statement { $day } matches
banks-statement-bad = · statement { $day } DOES NOT MATCH (ours { $ours }, theirs { $theirs })
cross-address = Your address for other banks: { $address }. A relative there confirms you with /relative { $address } RELATION.
cross-relative-added = { $address } confirmed as your relative ({ $relation }): their gifts and payments reach you.
cross-done = Done: { $hours } sent to { $to }.
cross-pending = { $hours } held for { $to }; waiting for the other bank. You will be told when it is done.
cross-refused = Not sent to { $to }: { $why } Nothing was taken from your balance.
cross-move-requested = Move #{ $id } asked: { $hours } to { $to }. The root admins of both banks approve it; you will be told. /cancelmove { $id } cancels it until then.
bank-added-linked = Bank { $code } added; it has added this bank too: credits can move.
bank-added-waiting = Bank { $code } added. Credits move once its admins add this bank too (/banks shows our code and key).
moves-empty = No moves are waiting for approval.
moves-title = Moves waiting for approval (/approvemove ID, or /cancelmove ID to refuse):
moves-line-out = #{ $id } { $name } (#{ $member }) → { $bank }:{ $remote }, { $hours }
moves-line-in = #{ $id } { $bank }:{ $remote } → { $name } (#{ $member }), { $hours }
move-cancelled-done = Move #{ $id } cancelled; any held minutes are back.
move-approved = Move #{ $id } approved.
note-cross-sent-out = { $hours } reached bank { $bank }.
note-cross-received-in = You received { $hours } from bank { $bank }.
note-cross-voided-out = Your transfer of { $hours } to bank { $bank } did not go through: { $why } The minutes are back in your balance.
note-cross-voided-in = A transfer of { $hours } from bank { $bank } was cancelled by that bank.
note-move-requested = A move of { $hours } from bank { $bank } to member #{ $member } waits for approval: /moves
note-statement-mismatch = The statement with bank { $bank } does not match: ours { $ours } min, theirs { $theirs } min. Check both ledgers.
