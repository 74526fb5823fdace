# Det hallway skriver i Slack utöver kommandosvar: DM, samtal,
# sammanfattningar, förhandsvisningar, fliken Hem, rapporter.

join-button = Gå med

## DM:et "Synka nu".
sync-text = Koppla ditt Slack-konto till det virtuella kontoret så att dina meddelanden når folk där.
sync-body = Du skriver till personer som arbetar i det virtuella kontoret ({ $spaces }). Koppla ditt Slack-konto så att dina meddelanden når dem där och du kan gå med i deras rum.
sync-button = Synka nu
sync-hint = Du tillfrågas högst en gång om dagen.

## En inbjudan.
invite-text = { $inviter } har bjudit in dig till { $room } ({ $space })
invite-body = *{ $inviter }* har bjudit in dig till *{ $room }* ({ $space })
invite-about = Gäller <{ $link }|det här meddelandet>
invite-from-workflow = Ett arbetsflöde
invite-from-someone = Någon

## Ett samtal.
call-lead-everyone = Alla:
call-text = { $lead } <@{ $caller }> kallar er till { $room } ({ $space }). Gå med från Slack.
call-body = { $lead } <@{ $caller }> kallar er till *{ $room }* i { $space }.
call-body-everyone = *Alla*: <@{ $caller }> kallar er till *{ $room }* i { $space }.

## Vilka som är i ett rum.
who-nobody = ingen
who-two = { $first } och { $last }
who-many = { $first } och { $others } till

## Förhandsvisning av ett rum.
unfurl-nobody = Ingen är i rummet just nu.
unfurl-now = I rummet nu ({ $count }/{ $capacity }): { $who }
unfurl-expired = Den här hallway-länken har gått ut. Be om en ny, eller kör `{ $command }` för att kalla folk till ett rum.

## Välkommen till en kopplad kanal.
welcome-text = Välkommen! Den här kanalen träffas i { $room } ({ $space }) i det virtuella kontoret.
welcome-body = Välkommen till <#{ $channel }>! Kanalen träffas i *{ $room }* ({ $space }) i det virtuella kontoret.
welcome-nobody = Ingen är där just nu.
welcome-now = Där nu: { $who }

## Tider.
duration-under-minute = under en minut
duration-minutes = { $minutes ->
        [one] 1 minut
       *[other] { $minutes } minuter
    }
duration-hours = { $hours } h
duration-hours-minutes = { $hours } h { $minutes } min

## Ett mötes sammanfattning.
summary-text = Mötet i { $room } ({ $space }) är slut: { $count ->
        [0] ingen
        [one] 1 person
       *[other] { $count } personer
    } var med, { $duration }.
summary-body = Mötet i *{ $room }* ({ $space }) är slut efter { $duration }.
summary-joined = Var med: { $who }
summary-called-by = { $details } · kallat av <@{ $caller }>

## Hur en inbjudan gick (till den som bjöd in).
report-nobody = Ingen att bjuda in till { $place }.
report-reached = Din inbjudan till { $place }: { $reached } av { $total } nåddes
report-not-reached = Nåddes inte: { $who }.
report-unknown-reason = okänd anledning
report-title = Inbjudningar skickade
report-more = { $shown } och { $more } till

## Fliken Hem.
home-your-home-room = { " " }(ditt hemrum)
home-empty = Tomt
home-starred-in = { $name } (i { $room })
home-starred-nowhere = { $name } (inte i något rum)
home-starred = *Stjärnmärkta:* { $people }
home-no-space = Du är inte med i något space i det virtuella kontoret som är kopplat till den här arbetsytan än. Be en administratör koppla ett, eller öppna kontoret.
home-default = { " " }(standard)
home-home-room = *Hemrum:* { $room }
home-intro = Välj ett hemrum och stjärnmärk personer i kontoret för att se dem här.
home-open-office = Öppna kontoret
home-no-rooms = Det här spacet har inga rum än.
home-more-rooms = { $count } rum till i kontoret.
home-updated = Uppdaterad { $when }
home-date-format = {"{"}date_short_pretty{"}"} kl. {"{"}time{"}"}
home-just-now = nyss
home-meets-in = { " " }Din arbetsyta träffas i { $spaces }.
home-connect-body = Koppla ditt Slack-konto till det virtuella kontoret för att se dina spaces, vilka som är i varje rum, och gå med härifrån.{ $spaces }
home-connect = Anslut

## Vad som blev av ett kommando (till den som körde det).
job-space-gone = '{ $space }' är inte längre kopplat till den här arbetsytan, så inget skickades.
job-room-gone = '{ $room }' togs nyss bort från '{ $space }', så inget skickades. Försök igen: `{ $command }` väljer bland de rum som finns.
job-map-not-member = Bara medlemmar i '{ $space }' kan koppla en kanal till dess rum, så inget ändrades.
job-map-this-channel = Den här kanalen
job-map-done = { $channel } träffas nu i { $room } ({ $space }). Dess medlemmar bjuds in; `{ $command }` utan argument här kallar nu folk till { $room }.{ $chat }
job-map-chat-live = { " " }Meddelanden här syns nu i { $room }s chatt i kontoret.
job-map-chat-invite = { " " }För att visa kanalens meddelanden i { $room }s chatt, lägg till appen här: `/invite @hallway`.
job-map-chat-unknown = { " " }Dess meddelanden kanske inte når rummets chatt: lägg till appen här med `/invite @hallway`.

## Varför någon inte nåddes (i rapporten till den som bjöd in).
reason-gone = finns inte längre i den här arbetsytan
reason-bot = är en bot
reason-external = tillhör en annan organisation och delar ingen kanal med hallway
reason-no-dm = kunde inte nås via DM
reason-no-app-dms = kan inte ta emot DM från appar här
reason-lost-access = hallway har förlorat åtkomsten till den här arbetsytan
reason-uninstalled = hallway är inte längre installerat i den här arbetsytan

## En kanals medlemmar kunde inte bjudas in (till den som bad om det).
onboard-uninstalled = hallway är inte längre installerat i den här arbetsytan, så kanalens medlemmar bjöds inte in.
onboard-lost-access = hallway har förlorat åtkomsten till den här arbetsytan, så kanalens medlemmar bjöds inte in. En administratör behöver installera om appen.
onboard-cannot-see = Jag kan inte se den här kanalens medlemmar. Lägg till hallway-appen i kanalen och försök sedan igen.
onboard-failed = Kanalens medlemmar kunde inte läsas, så ingen bjöds in: { $error }.

## Arbetsflödessteget i Workflow Builder: fel (till arbetsflödets folk).
step-no-space = Inget space i kontoret är kopplat till den här arbetsytan än. En administratör för ett space kan koppla det från kontoret.
step-no-such-space = Det finns inget space som heter '{ $name }' i den här arbetsytan. Spaces: { $spaces }.
step-no-such-room = '{ $space }' har inget rum som heter '{ $name }'. Dess rum: { $rooms }.
step-no-rooms = '{ $space }' har inga rum än. Lägg till ett rum i kontoret och kör sedan arbetsflödet igen.
step-none = inga
step-unknown = hallway har inget steg som heter '{ $step }'. Ta bort det från arbetsflödet, eller uppdatera appen.
step-nobody = Ingen att bjuda in: ge steget personer, en kanal eller båda.
step-channel-empty = Ingen bjöds in till { $room } ({ $space }): kanalen har inga medlemmar förutom botar och den som bjöd in.
step-nobody-reached = Ingen kunde bjudas in till { $room } ({ $space }). Nåddes inte: { $who }.
