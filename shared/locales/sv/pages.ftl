# Sidorna i slutet av rundturerna till Slack (hallway-oauth): installation,
# koppling av konton, Logga in med Slack, inbjudningslänkar och vad som
# gick fel på vägen. Varje sida har en rubrik och en mening eller två.

## På varje sida.
page-back-to-office = Tillbaka till kontoret
page-start-again = Börja om
page-open-office = Öppna kontoret

## Flödets tillstånd stämde inte.
page-sign-in-incomplete-title = Inloggningen slutfördes inte
page-state-missing-body = Slack skickade tillbaka dig utan den information som hallway behöver för att fortsätta. Börja om.
page-state-forged-title = Den här länken kommer inte från hallway
page-state-forged-body = Inloggningslänken kunde inte verifieras, så inget ändrades. Börja om från kontoret.
page-state-used-title = Den här länken har redan använts
page-state-used-body = Varje inloggningslänk fungerar en gång. Om du inte blev klar kan du börja om från kontoret.
page-state-expired-title = Den här länken har gått ut
page-state-expired-body = Inloggningslänkar gäller i tio minuter. Inget ändrades; börja om.

## Slacks sida av kodutbytet.
page-slack-code-refused-title = Slack godkände inte inloggningen
page-slack-code-refused-body = Auktoriseringen från Slack har redan använts eller har gått ut. Inget ändrades; börja om.
page-slack-unavailable-title = Slack svarade inte
page-slack-unavailable-body = Det gick inte att nå Slack just nu. Inget ändrades; försök igen om en stund.
page-slack-error-title = Slack avvisade begäran
# $code: Slacks felkod (t.ex. bad_client_secret) eller page-slack-missing-scope.
page-slack-error-body = Slack svarade med ett fel ({ $code }). Inget ändrades. Om det fortsätter att hända, kontrollera appens inställningar.
page-slack-missing-scope = behörigheten { $scope } saknas
page-slack-incomplete-title = Slacks svar var ofullständigt
page-slack-incomplete-bot-token = Slack skickade ingen bot-token för arbetsytan. Inget ändrades; kontrollera att appen har en botanvändare.
page-slack-incomplete-org = Slack skickade inte organisationen och en bot-token. Inget ändrades; kontrollera att appen har en botanvändare.
page-slack-incomplete-authorizer = Slack angav inte vem som auktoriserade. Inget ändrades.
page-slack-incomplete-workspace = Slack angav inte vilken arbetsyta det gällde. Inget ändrades.

## Något gick fel hos oss.
page-unavailable-title = Något gick fel
page-unavailable-body = hallway kunde inte slutföra det här just nu. Inget ändrades; försök igen om en stund.

## Installera appen och koppla ett Slack-konto.
page-install-cancelled-title = Inget kopplades
page-install-cancelled-body = Du avbröt auktoriseringen i Slack, så inget ändrades. Du kan börja om från kontoret när du vill.
page-install-refused-title = Slack auktoriserade inte hallway
# $error: felkoden som Slack skickade tillbaka.
page-install-refused-body = Slack svarade ”{ $error }”. Inget ändrades.
page-install-no-code-body = Slack skickade tillbaka dig utan någon auktoriseringskod. Inget ändrades; börja om.
page-installed-title = hallway är installerad
page-installed-body = hallway är nu installerad i { $team }. Slutför genom att öppna inställningarna för ditt space i kontoret och välja ”Anslut till Slack”.
page-space-gone-title = Spacet finns inte längre
page-space-gone-installed-body = hallway installerades i { $team }, men spacet som det här startades från finns inte längre.
page-space-gone-link-body = Spacet som det här startades från finns inte längre. Inget ändrades.
page-link-other-workspace-title = Det är en annan Slack-arbetsyta
page-link-other-workspace-body = Du auktoriserade hallway i en annan arbetsyta än den som ”{ $space }” är kopplat till. Inget ändrades; börja om och välj spacets arbetsyta i Slack.
page-account-taken-title = Det här Slack-kontot är redan kopplat
page-link-account-taken-body = Det här Slack-kontot är kopplat till en annan hallway-användare, så det kan inte kopplas till ditt. Inget ändrades. Fråga en administratör för ditt space om det är fel.

## En installation för hela organisationen (Enterprise Grid).
page-org-installed-title = hallway är installerad för din organisation
page-org-installed-body = hallway är nu installerad för { $org }. En organisationsadministratör lägger till den i arbetsytor på Slacks administrationssidor; koppla sedan varje space till sin arbetsyta i kontoret.
page-org-waiting-title = Nästan klart
# $url: sidan i Slack där en organisationsadministratör lägger till appen i en arbetsyta.
page-org-waiting-body = hallway är installerad för { $org }. Spacet kopplas till arbetsytan { $team } så snart en organisationsadministratör lägger till hallway i den i Slack ({ $url }).
page-org-choose-title = Välj spacets arbetsyta
page-org-choose-none-body = hallway är installerad för { $org }, men ingen arbetsyta har den än. En organisationsadministratör lägger till den i arbetsytor i Slack ({ $url }); anslut sedan spacet igen i kontoret och välj dess arbetsyta.
# $workspaces: "Namn (T…)", kommaseparerade.
page-org-choose-several-body = hallway är installerad för { $org }. Välj vilken arbetsyta det här spacet hör till: anslut det igen i kontoret med en av { $workspaces }.

## Logga in med Slack.
page-sign-in-cancelled-title = Du är inte inloggad
page-sign-in-cancelled-body = Inloggningen med Slack avbröts, så inget ändrades.
page-sign-in-no-code-body = Slack skickade tillbaka dig utan någon auktoriseringskod. Börja om.
page-sign-in-unverified-title = Inloggningen kunde inte verifieras
page-sign-in-unverified-body = Slacks svar kunde inte verifieras, så du loggades inte in. Börja om.
page-sign-in-account-taken-body = Det här Slack-kontot tillhör en annan hallway-användare.
page-needs-invitation-title = Du behöver en inbjudan
# $spaces: spacens namn, kommaseparerade.
page-needs-invitation-body = { $spaces } släpper bara in personer som har bjudits in. Be en kollega att bjuda in dig från Slack eller från kontoret.

## Inbjudningslänkar.
page-join-expired-title = Den här inbjudan har gått ut
page-join-expired-body = Inbjudningslänkar gäller bara en begränsad tid. Be personen som bjöd in dig om en ny.
page-join-invalid-title = Den här inbjudningslänken är inte giltig
page-join-invalid-body = Länken kunde inte verifieras; den kan ha kortats av eller ändrats. Be om en ny.
page-join-space-gone-body = Spacet som inbjudan gällde finns inte längre.
page-room-gone-title = Rummet finns inte längre
page-join-room-gone-body = Rummet som inbjudan gällde finns inte längre. Öppna kontoret för att hitta dina kollegor.
page-join-room-gone-short-body = Rummet som inbjudan gällde finns inte längre.
page-join-other-workspace-title = Den här inbjudan gäller en annan arbetsyta
page-join-other-workspace-body = ”{ $space }” är till för medlemmarna i sin egen Slack-arbetsyta, och du loggade in med en annan. Be om en gästinbjudan.
page-join-signed-in-elsewhere-body = Du loggade in, men inte i den Slack-arbetsyta som det här spacet hör till.
page-join-sign-in-again = Logga in med en annan arbetsyta
page-guests-full-title = Inte plats för fler gäster
page-guests-full-body = Det finns inte plats för fler gäster.
