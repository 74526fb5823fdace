# /hallway's replies: what the person who typed it reads.

## The text did not parse (lowercase: the reply reads them as they are).
grammar-unclosed-quote = a quote opened with { $quote } is not closed
grammar-bad-mention = { $mention } is not a person hallway can invite
grammar-channel-mention = invite people, not channels: mention each person with @
grammar-special-mention = @{ $name } cannot be invited that way: mention each person with @
grammar-link = links cannot be invited: mention people with @, then a space and a room
grammar-plain-at = { $name } was not recognised as a mention: pick the person from Slack's @ suggestions
command-hint = Try `{ $command } help`.

## Our side failed.
command-unavailable = hallway could not do that just now: part of it is not answering. Nothing was sent; try again in a minute.
command-unavailable-hint = If it keeps failing, tell your workspace admin. `{ $command } help` shows what hallway can do.

## The gate: installed, linked, a space.
gate-disconnected = hallway was disconnected from this workspace (its access was revoked or the app was removed). An admin needs to reinstall it.
gate-disconnected-button = Reinstall hallway
gate-not-installed = hallway has no installation on record for this workspace. An admin needs to install it (again) so the office can reach Slack.
gate-not-installed-button = Install hallway
gate-not-linked = Before you can call people to a room, connect your Slack account to the office.
gate-not-linked-button = Authorize hallway
gate-no-space = No space of the office is connected to this workspace yet.
gate-no-space-hint = An admin of a space can connect it from the office: the space's settings, then Connect to Slack.

## Which space and room.
resolve-space-gone = The space for this channel no longer exists.
resolve-no-such-room = '{ $space }' has no room called '{ $room }'. Its rooms: { $rooms }.
resolve-nothing-called = There is no space or room called '{ $typed }' in this workspace. Spaces: { $spaces }. Rooms of '{ $space }': { $rooms }.
resolve-none-yet = none yet
resolve-quote-hint = Put names with spaces in quotes, e.g. 'Main Office' 'Big Hall'.
room-least-full = No room of { $space } is empty; { $room } is the least full ({ $occupied } of { $capacity }).
room-none = '{ $space }' has no rooms yet.
room-none-hint = Add a room in the office, then try again.

## Invites.
invite-only-yourself = You mentioned only yourself. Mention the people you want to meet.
invite-queued = Inviting { $count ->
        [one] 1 person
       *[other] { $count } people
    } to { $room } ({ $space }). I'll tell you here who I reached.
invite-queued-hint = Each gets a DM with a Join button.

## Mapping a channel.
map-group-dm = A group DM cannot meet in a room: only channels can be mapped to rooms.
map-group-dm-hint = Run it in a channel, or invite the people here with `{ $command } @name @name { $room }`.
map-in-dm = Run this in the channel you want to map to the room.
map-this-channel = this channel
map-queued = Mapping { $channel } to { $room } ({ $space }) and inviting its members. I'll tell you here how it went.

## A call.
call-starting = Starting a call in { $room } ({ $space })…
call-starting-hint = Its card appears here in a moment, with who is in the room.

## Help.
help-title = How to use { $command }
help-body = *{ $command }* pulls Slack colleagues into a room of your virtual office.
    • `{ $command }` calls this channel to the largest empty room
    • `{ $command } @ada @bob` invites people by DM (to the largest empty room)
    • `{ $command } @ada 'Main Office' Kitchen` invites them to a room of a space
    • `{ $command } 'Main Office' Kitchen` maps this channel to that room and invites its members
    • `{ $command } ?` opens a form to pick people, a room and a note (so does `{ $command }` alone in a DM, and the *Meet in hallway* shortcut)
    • `{ $command } help` shows this
help-hint = Names with spaces go in quotes. Without a space name, the channel's room or your workspace's first space is used.
