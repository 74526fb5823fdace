# What hallway writes in Slack beyond command replies: DMs, calls,
# summaries, unfurls, the Home tab, reports. Arguments are mrkdwn-escaped
# by the code.

join-button = Join

## "Sync now" prompt DM.
sync-text = Connect your Slack account to the virtual office so your messages reach people there.
sync-body = You are messaging people who work in the virtual office ({ $spaces }). Connect your Slack account so your messages reach them there, and you can join their rooms.
sync-button = Sync now
sync-hint = You will be asked at most once a day.

## An invite DM.
invite-text = { $inviter } has invited you to meet in { $room } ({ $space })
invite-body = *{ $inviter }* has invited you to meet in *{ $room }* ({ $space })
invite-about = About <{ $link }|this message>
invite-from-workflow = A workflow
invite-from-someone = Someone

## A call.
call-lead-everyone = Everyone:
call-text = { $lead } <@{ $caller }> is calling you to { $room } ({ $space }). Join from Slack.
call-body = { $lead } <@{ $caller }> is calling you to *{ $room }* in { $space }.
call-body-everyone = *Everyone*: <@{ $caller }> is calling you to *{ $room }* in { $space }.

## Who is in a room.
who-nobody = nobody
who-two = { $first } and { $last }
who-many = { $first } and { $others } others

## A room's unfurl.
unfurl-nobody = Nobody is in the room right now.
unfurl-now = In the room now ({ $count }/{ $capacity }): { $who }
unfurl-expired = This hallway join link has expired. Ask for a new one, or run `{ $command }` to call people to a room.

## Welcome to a mapped channel.
welcome-text = Welcome! This channel meets in { $room } ({ $space }) in the virtual office.
welcome-body = Welcome to <#{ $channel }>! The channel meets in *{ $room }* ({ $space }) in the virtual office.
welcome-nobody = Nobody is there right now.
welcome-now = There now: { $who }

## Durations.
duration-under-minute = under a minute
duration-minutes = { $minutes ->
        [one] 1 minute
       *[other] { $minutes } minutes
    }
duration-hours = { $hours } h
duration-hours-minutes = { $hours } h { $minutes } min

## A meeting's summary.
summary-text = The meeting in { $room } ({ $space }) has ended: { $count ->
        [0] nobody
        [one] 1 person
       *[other] { $count } people
    } joined, { $duration }.
summary-body = The meeting in *{ $room }* ({ $space }) has ended after { $duration }.
summary-joined = Joined: { $who }
summary-called-by = { $details } · called by <@{ $caller }>

## How an invite went (to the inviter).
report-nobody = Nobody to invite to { $place }.
report-reached = Your invite to { $place }: { $reached } of { $total } reached
report-not-reached = Not reached: { $who }.
report-unknown-reason = unknown reason
report-title = Invites sent
report-more = { $shown } and { $more } more

## The Home tab.
home-your-home-room = { " " }(your home room)
home-empty = Empty
home-starred-in = { $name } (in { $room })
home-starred-nowhere = { $name } (not in a room)
home-starred = *Starred:* { $people }
home-no-space = You are not in any space of the virtual office connected to this workspace yet. Ask an admin to connect one, or open the office.
home-default = { " " }(default)
home-home-room = *Home room:* { $room }
home-intro = Set a home room and star people in the office to see them here.
home-open-office = Open the office
home-no-rooms = This space has no rooms yet.
home-more-rooms = { $count } more rooms in the office.
home-updated = Updated { $when }
home-date-format = {"{"}date_short_pretty{"}"} at {"{"}time{"}"}
home-just-now = just now
home-meets-in = { " " }Your workspace meets in { $spaces }.
home-connect-body = Connect your Slack account to the virtual office to see your spaces, who is in each room, and join them from here.{ $spaces }
home-connect = Connect

## What became of a command (to whoever ran it).
job-space-gone = '{ $space }' is no longer connected to this workspace, so nothing was sent.
job-room-gone = '{ $room }' was removed from '{ $space }' just now, so nothing was sent. Try again: `{ $command }` picks from the rooms there are.
job-map-not-member = Only members of '{ $space }' can map a channel to its rooms, so nothing changed.
job-map-this-channel = This channel
job-map-done = { $channel } now meets in { $room } ({ $space }). Its members are being invited; `{ $command }` with no arguments here now calls people to { $room }.{ $chat }
job-map-chat-live = { " " }Messages here now show in { $room }'s chat in the office.
job-map-chat-invite = { " " }To show this channel's messages in { $room }'s chat, add the app here: `/invite @hallway`.
job-map-chat-unknown = { " " }Its messages may not reach the room's chat: add the app here with `/invite @hallway`.

## Why someone was not reached (in the inviter's report).
reason-gone = is no longer in this workspace
reason-bot = is a bot
reason-external = is in another organisation and shares no channel with hallway
reason-no-dm = could not be reached by DM
reason-no-app-dms = cannot receive DMs from apps here
reason-lost-access = hallway lost access to this workspace
reason-uninstalled = hallway is no longer installed in this workspace

## A channel's members could not be invited (to whoever asked).
onboard-uninstalled = hallway is no longer installed in this workspace, so the channel's members were not invited.
onboard-lost-access = hallway lost access to this workspace, so the channel's members were not invited. An admin needs to reinstall it.
onboard-cannot-see = I cannot see this channel's members. Add the hallway app to the channel, then try again.
onboard-failed = The channel's members could not be read, so nobody was invited: { $error }.

## The Workflow Builder step's errors (to the workflow's people).
step-no-space = No space of the office is connected to this workspace yet. An admin of a space can connect it from the office.
step-no-such-space = There is no space called '{ $name }' in this workspace. Spaces: { $spaces }.
step-no-such-room = '{ $space }' has no room called '{ $name }'. Its rooms: { $rooms }.
step-no-rooms = '{ $space }' has no rooms yet. Add a room in the office, then run the workflow again.
step-none = none
step-unknown = hallway has no step '{ $step }'. Remove it from the workflow, or update the app.
step-nobody = Nobody to invite: give the step people, a channel, or both.
step-channel-empty = Nobody was invited to { $room } ({ $space }): the channel has no members besides bots and the inviter.
step-nobody-reached = Nobody could be invited to { $room } ({ $space }). Not reached: { $who }.
