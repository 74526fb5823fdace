# Formuläret "Meet in hallway" och meddelandena som ersätter det.
# Titlar och knappar: högst 24 tecken (Slacks gräns för modaler).

modal-title = Träffas i hallway
modal-submit = Skicka inbjudningar
modal-cancel = Avbryt
modal-close = Stäng
modal-people = Personer
modal-people-placeholder = Vilka ska vara med?
modal-room = Rum
modal-room-in = Rum i { $space }
modal-room-placeholder = Välj ett rum
modal-note = Anteckning
modal-note-placeholder = Vad gäller det?
modal-footnote = Var och en får ett DM med en Gå med-knapp.
modal-footnote-about = Var och en får ett DM med en Gå med-knapp och en länk till meddelandet.
modal-seats-empty = tomt
modal-seats-full = fullt
modal-seats = { $occupied } av { $capacity }
modal-no-rooms = Kontorets spaces i den här arbetsytan har inga rum än.
modal-no-rooms-hint = Lägg till ett rum i kontoret och försök sedan igen.

## Fel under fälten.
modal-error-people = Välj minst en person förutom dig själv.
modal-error-room = Välj ett rum.
modal-error-space-gone = Det spacet är inte längre kopplat till den här arbetsytan. Välj ett annat rum.
modal-error-room-gone = Rummet togs bort från { $space }. Välj ett annat.
modal-error-note = Håll anteckningen under { $max } tecken.

## Efter att ha skickat.
modal-inviting = Bjuder in { $count ->
        [one] 1 person
       *[other] { $count } personer
    } till *{ $room }* ({ $space })…
modal-inviting-hint = Vilka som nåddes visas här om en stund. Du kan stänga det här: då skickar jag det till dig i ett DM i stället.
modal-send-failed = hallway kunde inte skicka inbjudningarna just nu; inget skickades. Försök igen om en stund.

## Formuläret kunde inte öppnas.
modal-open-failed = hallway kunde inte öppna formuläret just nu. Försök igen om en stund.
modal-open-failed-hint = `{ $command } help` visar kommandot, som gör samma sak.

## Kalla också kanalen.
modal-call = Samtal
modal-call-option = Kalla också { $channel } till rummet
modal-call-hint = Lägger upp ett samtalskort där som alla i kanalen kan gå med i.
