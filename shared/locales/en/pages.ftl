# The pages at the end of the Slack round trips (hallway-oauth): install,
# linking, Sign in with Slack, join links, and what went wrong on the way.
# Each page has a title (its heading) and a sentence or two.

## On every page.
page-back-to-office = Back to the office
page-start-again = Start again
page-open-office = Open the office

## The flow's state did not check out.
page-sign-in-incomplete-title = Sign-in incomplete
page-state-missing-body = Slack sent you back without the information hallway needs to continue. Please start again.
page-state-forged-title = This link was not issued by hallway
page-state-forged-body = The sign-in link could not be verified, so nothing was changed. Start again from the office.
page-state-used-title = This link was already used
page-state-used-body = Each sign-in link works once. If you did not finish, start again from the office.
page-state-expired-title = This link has expired
page-state-expired-body = Sign-in links last ten minutes. Nothing was changed; please start again.

## Slack's side of a code exchange.
page-slack-code-refused-title = Slack did not accept the sign-in
page-slack-code-refused-body = The authorization from Slack was already used or has expired. Nothing was changed; please start again.
page-slack-unavailable-title = Slack did not answer
page-slack-unavailable-body = Slack could not be reached just now. Nothing was changed; please try again in a moment.
page-slack-error-title = Slack refused the request
# $code: Slack's error code (e.g. bad_client_secret), or page-slack-missing-scope.
page-slack-error-body = Slack answered with an error ({ $code }). Nothing was changed. If this keeps happening, check the app's settings.
page-slack-missing-scope = missing scope { $scope }
page-slack-incomplete-title = Slack's answer was incomplete
page-slack-incomplete-bot-token = Slack did not return a bot token for the workspace. Nothing was changed; check that the app has a bot user.
page-slack-incomplete-org = Slack did not return the organisation and a bot token. Nothing was changed; check that the app has a bot user.
page-slack-incomplete-authorizer = Slack did not say who authorized. Nothing was changed.
page-slack-incomplete-workspace = Slack did not say which workspace this was. Nothing was changed.

## Our side failed.
page-unavailable-title = Something went wrong
page-unavailable-body = hallway could not finish this just now. Nothing was changed; please try again in a moment.

## Installing the app and linking a Slack account.
page-install-cancelled-title = Nothing was connected
page-install-cancelled-body = You cancelled the authorization in Slack, so nothing changed. You can start again from the office whenever you like.
page-install-refused-title = Slack did not authorize hallway
# $error: the error code Slack sent back.
page-install-refused-body = Slack answered "{ $error }". Nothing was changed.
page-install-no-code-body = Slack sent you back without an authorization code. Nothing was changed; please start again.
page-installed-title = hallway is installed
page-installed-body = hallway is now installed in { $team }. To finish, open your space's settings in the office and choose "Connect to Slack".
page-space-gone-title = The space is gone
page-space-gone-installed-body = hallway was installed in { $team }, but the space this was started from no longer exists.
page-space-gone-link-body = The space this was started from no longer exists. Nothing was changed.
page-link-other-workspace-title = That is a different Slack workspace
page-link-other-workspace-body = You authorized hallway in another workspace than the one "{ $space }" is connected to. Nothing was changed; start again and pick the space's workspace in Slack.
page-account-taken-title = This Slack account is already linked
page-link-account-taken-body = This Slack account is linked to another hallway user, so it cannot be linked to yours. Nothing was changed. Ask an admin of your space if this is a mistake.

## An organisation-wide (Enterprise Grid) install.
page-org-installed-title = hallway is installed for your organisation
page-org-installed-body = hallway is now installed for { $org }. An org admin adds it to workspaces in Slack's admin pages; then, in the office, connect each space to its workspace.
page-org-waiting-title = Almost there
# $url: the page in Slack where an org admin adds the app to a workspace.
page-org-waiting-body = hallway is installed for { $org }. The space connects to workspace { $team } as soon as an org admin adds hallway to it in Slack ({ $url }).
page-org-choose-title = Choose the space's workspace
page-org-choose-none-body = hallway is installed for { $org }, but no workspace has it yet. An org admin adds it to workspaces in Slack ({ $url }); then connect the space again in the office and choose its workspace.
# $workspaces: "Name (T…)", comma-separated.
page-org-choose-several-body = hallway is installed for { $org }. Choose which workspace this space belongs to: connect it again in the office with one of { $workspaces }.

## Sign in with Slack.
page-sign-in-cancelled-title = You are not signed in
page-sign-in-cancelled-body = Signing in with Slack was cancelled, so nothing changed.
page-sign-in-no-code-body = Slack sent you back without an authorization code. Please start again.
page-sign-in-unverified-title = Sign-in could not be verified
page-sign-in-unverified-body = Slack's answer could not be verified, so you were not signed in. Please start again.
page-sign-in-account-taken-body = This Slack account belongs to another hallway user.
page-needs-invitation-title = You need an invitation
# $spaces: the spaces' names, comma-separated.
page-needs-invitation-body = { $spaces } only admits people who were invited. Ask a colleague to invite you from Slack or from the office.

## Join links.
page-join-expired-title = This invitation has expired
page-join-expired-body = Join links last a limited time. Ask the person who invited you for a new one.
page-join-invalid-title = This join link is not valid
page-join-invalid-body = The link could not be verified; it may have been cut short or changed. Ask for a new one.
page-join-space-gone-body = The space this invitation was for no longer exists.
page-room-gone-title = The room is gone
page-join-room-gone-body = The room this invitation was for no longer exists. Open the office to find your colleagues.
page-join-room-gone-short-body = The room this invitation was for no longer exists.
page-join-other-workspace-title = This invitation is for another workspace
page-join-other-workspace-body = "{ $space }" is for members of its own Slack workspace, and you signed in with another one. Ask for a guest invitation.
page-join-signed-in-elsewhere-body = You signed in, but not in the Slack workspace this space belongs to.
page-join-sign-in-again = Sign in with another workspace
page-guests-full-title = No room for more guests
page-guests-full-body = there isn't any more space for guests
