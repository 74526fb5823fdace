# The "Meet in hallway" form and the notices that replace it.
# Titles and button labels: at most 24 characters (Slack's modal limit).

modal-title = Meet in hallway
modal-submit = Send invites
modal-cancel = Cancel
modal-close = Close
modal-people = People
modal-people-placeholder = Who should join you?
modal-room = Room
modal-room-in = Room in { $space }
modal-room-placeholder = Pick a room
modal-note = Note
modal-note-placeholder = What is it about?
modal-footnote = Each person gets a DM with a Join button.
modal-footnote-about = Each person gets a DM with a Join button and a link to the message.
modal-seats-empty = empty
modal-seats-full = full
modal-seats = { $occupied } of { $capacity }
modal-no-rooms = The office's spaces in this workspace have no rooms yet.
modal-no-rooms-hint = Add a room in the office, then try again.

## Errors under the fields.
modal-error-people = Choose at least one person besides yourself.
modal-error-room = Pick a room.
modal-error-space-gone = That space is no longer connected to this workspace. Pick another room.
modal-error-room-gone = That room was removed from { $space }. Pick another.
modal-error-note = Keep the note under { $max } characters.

## After sending.
modal-inviting = Inviting { $count ->
        [one] 1 person
       *[other] { $count } people
    } to *{ $room }* ({ $space })…
modal-inviting-hint = Who was reached shows here in a moment. You can close this: I'll send it to you in a DM instead.
modal-send-failed = hallway could not send the invites just now; nothing was sent. Try again in a moment.

## The form could not open.
modal-open-failed = hallway could not open its form just now. Try again in a moment.
modal-open-failed-hint = `{ $command } help` shows the command, which does the same.

## Also calling the channel.
modal-call = Call
modal-call-option = Also call { $channel } to the room
modal-call-hint = Posts a call card there that everyone in the channel can join.
