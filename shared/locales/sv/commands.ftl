# /hallway:s svar: det som den som skrev kommandot läser.

## Texten gick inte att tolka.
grammar-unclosed-quote = citattecknet { $quote } stängs aldrig
grammar-bad-mention = { $mention } är ingen person som hallway kan bjuda in
grammar-channel-mention = bjud in personer, inte kanaler: nämn varje person med @
grammar-special-mention = @{ $name } kan inte bjudas in så: nämn varje person med @
grammar-link = länkar kan inte bjudas in: nämn personer med @, sedan ett space och ett rum
grammar-plain-at = { $name } kändes inte igen som en omnämning: välj personen bland Slacks @-förslag
command-hint = Prova `{ $command } help`.

## Något gick fel hos oss.
command-unavailable = hallway kunde inte göra det just nu: en del av tjänsten svarar inte. Inget skickades; försök igen om en minut.
command-unavailable-hint = Om det fortsätter att misslyckas, säg till din arbetsytas administratör. `{ $command } help` visar vad hallway kan göra.

## Grinden: installerad, länkad, ett space.
gate-disconnected = hallway har kopplats bort från den här arbetsytan (åtkomsten återkallades eller appen togs bort). En administratör behöver installera om den.
gate-disconnected-button = Installera om hallway
gate-not-installed = hallway har ingen installation registrerad för den här arbetsytan. En administratör behöver installera den (igen) så att kontoret når Slack.
gate-not-installed-button = Installera hallway
gate-not-linked = Innan du kan kalla folk till ett rum behöver du koppla ditt Slack-konto till kontoret.
gate-not-linked-button = Auktorisera hallway
gate-no-space = Inget space i kontoret är kopplat till den här arbetsytan än.
gate-no-space-hint = En administratör för ett space kan koppla det från kontoret: spacets inställningar, sedan Anslut till Slack.

## Vilket space och rum.
resolve-space-gone = Spacet för den här kanalen finns inte längre.
resolve-no-such-room = '{ $space }' har inget rum som heter '{ $room }'. Dess rum: { $rooms }.
resolve-nothing-called = Det finns inget space eller rum som heter '{ $typed }' i den här arbetsytan. Spaces: { $spaces }. Rum i '{ $space }': { $rooms }.
resolve-none-yet = inga än
resolve-quote-hint = Sätt namn med mellanslag inom citattecken, t.ex. 'Huvudkontoret' 'Stora salen'.
room-least-full = Inget rum i { $space } är tomt; { $room } är minst fullt ({ $occupied } av { $capacity }).
room-none = '{ $space }' har inga rum än.
room-none-hint = Lägg till ett rum i kontoret och försök sedan igen.

## Inbjudningar.
invite-only-yourself = Du nämnde bara dig själv. Nämn de personer du vill träffa.
invite-queued = Bjuder in { $count ->
        [one] 1 person
       *[other] { $count } personer
    } till { $room } ({ $space }). Jag berättar här vilka jag nådde.
invite-queued-hint = Var och en får ett DM med en Gå med-knapp.

## Koppla en kanal.
map-group-dm = Ett grupp-DM kan inte träffas i ett rum: bara kanaler kan kopplas till rum.
map-group-dm-hint = Kör det i en kanal, eller bjud in personerna här med `{ $command } @namn @namn { $room }`.
map-in-dm = Kör det här i kanalen som du vill koppla till rummet.
map-this-channel = den här kanalen
map-queued = Kopplar { $channel } till { $room } ({ $space }) och bjuder in dess medlemmar. Jag berättar här hur det gick.

## Ett samtal.
call-starting = Startar ett samtal i { $room } ({ $space })…
call-starting-hint = Kortet dyker upp här om en stund, med vilka som är i rummet.

## Hjälp.
help-title = Så använder du { $command }
help-body = *{ $command }* drar in Slack-kollegor i ett rum i ditt virtuella kontor.
    • `{ $command }` kallar den här kanalen till det största tomma rummet
    • `{ $command } @ada @bob` bjuder in personer via DM (till det största tomma rummet)
    • `{ $command } @ada 'Huvudkontoret' Köket` bjuder in dem till ett rum i ett space
    • `{ $command } 'Huvudkontoret' Köket` kopplar den här kanalen till rummet och bjuder in dess medlemmar
    • `{ $command } ?` öppnar ett formulär där du väljer personer, ett rum och en anteckning (det gör också `{ $command }` ensamt i ett DM, och genvägen *Meet in hallway*)
    • `{ $command } help` visar det här
help-hint = Namn med mellanslag skrivs inom citattecken. Utan ett spacenamn används kanalens rum eller arbetsytans första space.
