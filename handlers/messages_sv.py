"""The catalogue's Swedish, as written in Finland's bilingual municipalities: one text a key
of handlers/messages.py, with the same placeholders (tests/test_messages.py checks both)."""

from __future__ import annotations

SWEDISH: dict[str, str] = {
    # --- help ---
    "help.title": "Digiprogrammets bot — kommandon",
    "help.status": "{p}status <id> <status> [<n> %] [anteckning] — registrerar en "
    "lägesuppdatering. T.ex. {p}status 1.1 enligt-plan 40 % Pilotprojektet pågår",
    "help.update": "{p}uppdatera — öppnar ett formulär med dina egna åtgärder",
    "help.show": "{p}visa <id> — åtgärdens läge. T.ex. {p}visa 1.1",
    "help.history": "{p}historik <id> — åtgärdens uppdateringar, den senaste först",
    "help.list": "{p}lista [mina | <tema> | <status>] — åtgärderna med statusmarkering. "
    "T.ex. {p}lista mina, {p}lista T2, {p}lista försenad",
    "help.undo": "{p}ångra [<id>] — drar tillbaka din senaste uppdatering (inom 24 timmar)",
    "help.stale": "{p}ouppdaterade — åtgärder som inte har uppdaterats sedan den senaste "
    "lägesöversikten (för digikoordinatorer)",
    "stale.title": "Ej uppdaterade sedan den senaste lägesöversikten ({count})",
    "stale.none": "Alla åtgärder har uppdaterats sedan den senaste lägesöversikten.",
    "stale.refused": "Listan över ouppdaterade åtgärder är för digikoordinatorer. Alla kan se "
    "åtgärdernas läge med kommandot lista.",
    "help.help": "{p}hjälp — den här hjälpen",
    "help.statuses": "Statusar: {words}. För risk och försenad ska du också ange orsaken.",
    "help.languages": "Kommandona fungerar på svenska, finska och engelska (status = tila, "
    "visa = näytä = show …).",
    "hint.status": "status 1.1 enligt-plan 40 %",
    "hint.show": "visa 1.1",
    "hint.list": "lista mina",
    "hint.help": "hjälp",
    "help.short": "Jag känner inte igen kommandot ”{text}”. Exempel: {p}status 1.1 "
    "enligt-plan 40 % Pilotprojektet pågår. Alla kommandon: {p}hjälp",
    "form.chat_only": "Uppdateringsformuläret öppnas i chatten. Här registrerar du en "
    "uppdatering med ett kommando, t.ex. {p}status 1.1 enligt-plan 40 % Pilotprojektet pågår",
    # --- the update form and the home view ---
    "form.title": "Lägesuppdatering",
    "form.saved_title": "Sparad",
    "form.submit": "Spara",
    "form.close": "Stäng",
    "form.measure": "Åtgärd",
    "form.status": "Status",
    "form.progress": "Framsteg (0–100 %)",
    "form.note": "Anteckning",
    "form.note_hint": "För risk och försenad ska du skriva orsaken: ledningsgruppen behöver den.",
    "form.pick_measure": "Välj en åtgärd.",
    "form.pick_status": "Välj en status.",
    "form.ask_coordinator": "Om du borde ansvara för någon åtgärd, be digikoordinatorn lägga "
    "till dig i programfilen.",
    "home.title": "Dina åtgärder",
    "home.update": "Uppdatera",
    "home.updated": "uppdaterad {time}",
    "home.hint": "Du kan också skriva {p}status 1.1 enligt-plan 40 % · alla kommandon: {p}hjälp",
    # --- the leadership summary ---
    "summary.h1": "våren {year}",
    "summary.h2": "hösten {year}",
    "summary.title": "{programme} — lägesöversikt, {period}",
    "summary.default_programme": "Digiprogrammet",
    "summary.overview": "Läget {date}: {count} åtgärder. Klara: {done}; genomsnittligt "
    "framsteg {average} (klara räknas som 100 %, orapporterade som 0 %).",
    "summary.by_status": "Åtgärderna enligt status",
    "summary.col.status": "Status",
    "summary.col.count": "Antal",
    "summary.col.mark": "Status",
    "summary.col.id": "Id",
    "summary.col.title": "Åtgärd",
    "summary.col.owner": "Ansvarsperson",
    "summary.col.progress": "Framsteg",
    "summary.col.updated": "Uppdaterad",
    "summary.chart_alt": "Åtgärdernas status per tema",
    "summary.chart_alt_numbers": "{title}. Antalet åtgärder enligt status: {themes}.",
    "summary.changes_first": "Förändringar sedan programmet importerades",
    "summary.changes": "Förändringar sedan den senaste lägesöversikten",
    "summary.no_changes": "Inga statusförändringar.",
    "summary.changes_count": "{count} åtgärder bytte status: {done} blev klara, "
    "{delayed} blev försenade.",
    "summary.change": "{id} {title}: {before} → {after}",
    "summary.attention": "Att observera",
    "summary.troubled": "Försenade och med risk för försening ({count})",
    "summary.overdue": "Tidsfristen har gått ut ({count})",
    "summary.overdue_line": "{name} — tidsfrist {due} ({owner})",
    "summary.behind": "Efter tidtabellen ({count})",
    "summary.behind_line": "{name} — framsteg {progress}, fast betydligt mer av tiden har gått "
    "({owner})",
    "summary.stale": "Inte uppdaterade sedan den senaste lägesöversikten ({count})",
    "summary.stale_first": "Ännu ingen lägesuppdatering ({count})",
    "summary.nothing_to_note": "Inget att observera: allt framskrider.",
    "summary.thread_hint": "Specifikationen per tema finns i tråden till det här meddelandet.",
    "summary.maturity": "Digital mognad (1–5): utgångsnivå {baseline} → nu {current} → "
    "målnivå {target}",
    "summary.posted": "Lägesöversikten {period} har publicerats i kanalen {channel}: "
    "{count} meddelanden och diagrammet i tråden.",
    "summary.already": "Lägesöversikten {period} har redan publicerats i kanalen {channel} "
    "({time}). Ingenting publicerades på nytt. Avsiktlig ny publicering: "
    "digibot summary post --force",
    "summary.busy": "Lägesöversikten {period} publiceras just nu (sedan {time}); den "
    "publiceras en gång.",
    "summary.failed": "Publiceringen av lägesöversikten {period} avbröts ({reason}). Nästa "
    "försök fortsätter där det slutade: ingenting publiceras två gånger.",
    "summary.channel_unseen": "boten har ännu inte sett Teams-kanalen {channel}: lägg till "
    "appen i kanalens team och nämn boten i kanalen en gång, t.ex. @digibot hjälp",
    "summary.extra_name": "{day} (extra)",
    "summary.extra_hint": "Det här är en extra lägesöversikt: nästa lägesöversikt enligt "
    "tidtabellen publiceras ändå {date}.",
    "summary.repost": "Registrerad som avsiktlig ny publicering (nr {count}).",
    "summary.refused": "Förhandsvisning och publicering av lägesöversikten är för "
    "digikoordinatorer.",
    "summary.no_channel": "Ledningsgruppens kanal har inte angetts: ange "
    "DIGIBOT_LEADERSHIP_CHANNEL (och Slacks nycklar).",
    "summary.usage": "Ange förhandsvisa eller publicera.",
    "summary.example": "Exempel: {p}översikt förhandsvisa eller {p}översikt publicera",
    "summary.posting": "Jag publicerar lägesöversikten i ledningsgruppens kanal…",
    "summary.post_elsewhere": "Lägesöversikten publiceras inte från konsolen. Publicera i "
    "chatten ({p}översikt publicera) eller med kommandot digibot summary post.",
    "help.summary": "{p}översikt förhandsvisa | publicera — ledningsgruppens lägesöversikt: "
    "en förhandsvisning bara för dig, eller publicering en gång per period (för "
    "digikoordinatorer)",
    "reminder.title": "Påminnelse: lägesuppdatering",
    "reminder.intro": "Digiprogrammets lägesöversikt publiceras för ledningsgruppen {date}. "
    "De här åtgärderna ({count}) har inte uppdaterats sedan den senaste lägesöversikten — "
    "en uppdatering tar tio sekunder:",
    "reminder.hint": "Eller skriv: {p}status {id} enligt-plan 40 % Pilotprojektet pågår",
    "reminder.outcome": "Påminnelse skickad till {sent} personer; {already} hade redan "
    "påmints i dag; {unreachable} kunde inte nås.",
    "reminder.unreachable": "Kunde inte nås: {people}",
    # --- Teams ---
    "teams.form_intro": "Uppdatera läget för dina åtgärder med formuläret:",
    "teams.app.name": "Digiprogrammets lägesbot",
    "teams.app.short": "Lägesuppdateringar och lägesöversikter för digiprogrammets åtgärder",
    "teams.app.full": "Åtgärdernas ansvarspersoner registrerar läget med ett kommando eller "
    "ett formulär; digikoordinatorn ser varje åtgärds läge och de ouppdaterade; "
    "ledningsgruppen får en lägesöversikt två gånger om året i samband med budgetprocessen.",
    "teams.command.status": "status",
    "teams.command.status.help": "status 1.1 enligt-plan 40 % anteckning — registrerar en "
    "lägesuppdatering",
    "teams.command.show": "visa",
    "teams.command.show.help": "visa 1.1 — åtgärdens läge",
    "teams.command.list": "lista",
    "teams.command.list.help": "lista [mina | tema | status] — åtgärderna",
    "teams.command.history": "historik",
    "teams.command.history.help": "historik 1.1 — uppdateringarna, den senaste först",
    "teams.command.undo": "ångra",
    "teams.command.undo.help": "ångra — drar tillbaka din senaste uppdatering (24 h)",
    "teams.command.update": "uppdatera",
    "teams.command.update.help": "uppdatera — öppnar formuläret med dina åtgärder",
    "teams.command.help": "hjälp",
    "teams.command.help.help": "hjälp — kommandona med exempel",
    "cli.teams_package": "Teams-appaketet har skrivits: {path}. Ladda upp det i Teams "
    "administrationscenter (Teams-appar → Hantera appar → Ladda upp ny app).",
    "cli.teams_bot_id": "Ange botens app-id (--bot-id) eller ställ in "
    "CONNECTIONS__SERVICE_CONNECTION__SETTINGS__CLIENTID.",
    "cli.teams_bad_bot_id": "Botens app-id är ett GUID, t.ex. "
    "00000000-0000-0000-0000-000000000000; ”{bot_id}” är inte det. Du hittar det i appens "
    "registrering i Entra ID (--bot-id).",
    # --- the about and privacy pages (bot/pages.py) ---
    "page.nav": "Sidor",
    "page.other_language": "Suomeksi",
    "page.about.link": "Om boten",
    "page.privacy.link": "Dataskyddsbeskrivning",
    "page.about.title": "Digibot — digiprogrammets uppföljningsbot",
    "page.about.what": "Digibot är en chattbot med vilken staden följer upp åtgärderna i sitt "
    "digitaliseringsprogram. Åtgärdernas ansvarspersoner registrerar läget i Teams eller "
    "Slack, och boten sammanställer av registreringarna den lägesöversikt som rapporteras till "
    "stadsstyrelsen två gånger om året.",
    "page.about.how": "Skriv hjälp till boten (i Slack /digi hjälp) så ser du kommandona med "
    "exempel.",
    "page.about.source": "Digibot är öppen källkod (MIT-licens), och staden kör den på sin "
    "egen server.",
    "page.terms.title": "Användarvillkor",
    "page.terms.use": "Boten är stadens verktyg för uppföljningen av digiprogrammets åtgärder. "
    "Registrera bara uppgifter om åtgärdernas läge i den; skriv inga personuppgifter eller "
    "sekretessbelagda uppgifter i anteckningarna.",
    "page.terms.visible": "Registreringarna syns för programmets digikoordinatorer och "
    "ledningsgruppen, och av dem sammanställs den lägesöversikt som rapporteras till "
    "stadsstyrelsen. Registreringar ändras inte i efterhand: en tillbakadragen uppdatering "
    "lämnar en anteckning i granskningsloggen.",
    "page.privacy.title": "Dataskyddsbeskrivning",
    "page.privacy.intro": "Den här beskrivningen berättar vilka uppgifter digiprogrammets "
    "uppföljningsbot (Digibot) sparar, varför och hur länge, och vem du kan fråga om dem. "
    "Personuppgiftsansvarig är den stad som använder boten.",
    "page.privacy.stored": "Vilka uppgifter som sparas",
    "page.privacy.stored.updates": "Åtgärdernas lägesuppdateringar: status, framsteg och "
    "anteckning samt vem som gjorde uppdateringen och när. Också tillbakadragna uppdateringar "
    "sparas, märkta som tillbakadragna.",
    "page.privacy.stored.people": "Slack- och Teams-användar-id:n och e-postadresser för "
    "åtgärdernas ansvarspersoner och ersättare samt för digikoordinatorerna.",
    "page.privacy.stored.conversations": "Hänvisningar till Teams-konversationer "
    "(konversationens och användarens id:n), så att boten kan skicka påminnelser och "
    "lägesöversikter.",
    "page.privacy.stored.reminders": "Påminnelseloggen: till vem en påminnelse skickades och "
    "när, så att ingen får samma påminnelse två gånger.",
    "page.privacy.why": "Varför",
    "page.privacy.why.text": "Stadsstyrelsen har beslutat att digiprogrammets framskridande "
    "rapporteras till stadsstyrelsen två gånger om året i samband med budgetprocessen. "
    "Uppgifterna används endast för uppföljningen av programmet och för denna rapportering: "
    "ansvarspersonerna registrerar läget, och boten påminner dem före lägesöversikten och "
    "sammanställer den.",
    "page.privacy.retention": "Hur länge uppgifterna sparas",
    "page.privacy.retention.text": "Uppgifterna sparas enligt stadens arkivbildningsplan och "
    "informationsstyrningsplan, eftersom lägesöversikterna hör till stadsstyrelsens "
    "handlingar. Boten varken ändrar eller raderar lägesuppdateringar; de raderas när "
    "förvaringstiden enligt stadens arkivregler går ut.",
    "page.privacy.ask": "Vem du kan fråga",
    "page.privacy.rights": "Du har rätt att få veta vilka uppgifter om dig som har sparats och "
    "att begära att felaktiga uppgifter rättas.",
    "page.contact.intro": "Frågor och begäranden om dina uppgifter:",
    "page.contact.unset": "Någon kontaktperson har ännu inte angetts (botens administratör "
    "anger den med inställningen DIGIBOT_PRIVACY_CONTACT). Fråga till dess stadens "
    "dataskyddsombud.",
    "cli.teams_bad_host": "--host är namnet på den server där digibot serve svarar, utan "
    "https:// i början och utan sökväg, t.ex. bot.tornio.fi eller bot.tornio.fi:8443; "
    "”{host}” är inte det.",
    # --- Slack ---
    "slack.view_more": "Allt ryms inte i den här vyn. Hela listan: /digi lista mina",
    "slack.answer_in_dm": "Svaret fortsätter i dina direktmeddelanden med boten ({count} "
    "meddelanden): Slack tar bara emot fem här.",
    "slack.answer_cut": "Svaret slutar här ({shown}/{total} meddelanden): Slack tar bara emot "
    "fem här, och resten kunde inte skickas som direktmeddelande. Förhandsvisning av hela "
    "lägesöversikten på servern: digibot summary preview (eller som rapportfil: digibot "
    "summary preview --format html --output oversikt.html).",
    "slack.working": "Ett ögonblick, jag tar fram svaret…",
    "slack.missing_credentials": "Slacks nycklar saknas: ange SLACK_BOT_TOKEN och "
    "SLACK_SIGNING_SECRET (eller SLACK_APP_TOKEN för Socket Mode). Utan dem kan du prova: "
    "digibot demo",
    # --- the form of a command ---
    "usage.status": "Ange åtgärdens id och en status.",
    "example.status": "Exempel: {p}status 1.1 enligt-plan 40 % Pilotprojektet pågår",
    "usage.show": "Ange åtgärdens id.",
    "example.show": "Exempel: {p}visa 1.1",
    "example.history": "Exempel: {p}historik 1.1",
    "example.undo": "Exempel: {p}ångra eller {p}ångra 1.1",
    "usage.extra": "Kommandot fick extra text: ”{text}”.",
    # --- lookup and permission ---
    "measure.not_found": "Åtgärden ”{id}” finns inte. Menade du: {ids}?",
    "measure.not_found_none": "Åtgärden ”{id}” finns inte.",
    "measure.list_hint": "Alla åtgärder: {p}lista",
    "permission.refused": "Läget för åtgärd {id} kan uppdateras av dess ansvarsperson {owner}, "
    "ersättarna och digikoordinatorerna.",
    "permission.coordinator_hint": "Om ansvaret har överförts till dig, be digikoordinatorn "
    "uppdatera programfilen.",
    # --- values ---
    "status.unknown": "Okänd status ”{word}”. Godkända statusar: {words}.",
    "progress.range": "Framsteget ska vara ett heltal 0–100 % (du angav {value}).",
    "progress.example": "Exempel: {p}status {id} enligt-plan 40 %",
    "reason.required": "Statusen ”{status}” kräver en orsak: ledningsgruppen behöver veta varför.",
    "reason.example": "Exempel: {p}status {id} {word} Leverantörens tidtabell drar ut en månad",
    "note.too_long": "Anteckningen är {length} tecken lång; högst {limit} tecken.",
    "note.too_long_hint": "Förkorta anteckningen och skicka den på nytt. Ingenting sparades.",
    "text.control": "Texten innehåller ett styrtecken ({char}) som inte kan sparas. Ta bort "
    "det och skicka på nytt. Ingenting sparades.",
    # --- faults ---
    "db.unavailable": "Databasen är inte tillgänglig just nu: ingenting sparades. Försök på "
    "nytt om en stund.",
    "internal.error": "Något gick fel och ingenting sparades. Försök på nytt; om felet "
    "upprepas, kontakta digikoordinatorn.",
    # --- status recorded ---
    "status.recorded": "Sparat. Läget för åtgärd {id} nu:",
    "status.already_recorded": "Den här uppdateringen var redan sparad. Läget för åtgärd {id}:",
    "status.undo_hint": "Blev det fel? {p}ångra {id} drar tillbaka uppdateringen inom 24 timmar.",
    # --- show ---
    "field.theme": "Tema",
    "field.owner": "Ansvarsperson",
    "field.deputies": "Ersättare",
    "field.unit": "Ansvarig enhet",
    "field.status": "Status",
    "field.progress": "Framsteg",
    "field.updated": "Senaste uppdatering",
    "field.note": "Anteckning",
    "field.schedule": "Tidtabell",
    "field.indicator": "Mätare",
    "field.budget": "Budget",
    "show.updated_by": "{time}, {author}",
    "show.no_updates": "inga uppdateringar ännu",
    "show.indicator": "{indicator}: utgångsnivå {baseline} → målnivå {target}",
    "flag.overdue": "⚠️ Tidsfristen har gått ut: tidsfristen {due} har passerats och åtgärden "
    "är inte klar.",
    "flag.never_updated": "⚠️ Ej uppdaterad: åtgärden har ännu ingen lägesuppdatering.",
    # --- history ---
    "history.title": "{id} {title} — uppdateringarna, den senaste först",
    "history.empty": "Åtgärd {id} har ännu inga uppdateringar.",
    "history.withdrawn": "(tillbakadragen)",
    "history.more": "… och {count} äldre. Hela historiken: digibot export --history",
    # --- list ---
    "list.title.all": "Åtgärder ({count})",
    "list.title.mine": "Dina åtgärder ({count})",
    "list.title.theme": "{theme} ({count})",
    "list.title.status": "Status: {status} ({count})",
    "list.empty": "Inga åtgärder.",
    "list.empty_mine": "Du är inte ansvarsperson eller ersättare för någon åtgärd.",
    "list.empty_programme": "Programmet har ännu inte importerats. Digikoordinatorn "
    "importerar det: digibot import program.yaml",
    "list.unknown_filter": "Jag känner inte igen avgränsningen ”{word}”. Använd: mina, ett "
    "temas id ({themes}) eller en status ({words}).",
    # --- undo ---
    "undo.done": "Tillbakadragen: din uppdatering {time} av åtgärd {id} ({status}). Den finns "
    "kvar i historiken, märkt som tillbakadragen.",
    "undo.nothing": "Du har ingen uppdatering från de senaste 24 timmarna att dra tillbaka.",
    "undo.nothing_measure": "Du har ingen uppdatering av åtgärd {id} från de senaste 24 "
    "timmarna att dra tillbaka.",
    "undo.repeat": "Den här ångringen är redan gjord; ingenting annat drogs tillbaka.",
    "undo.now": "Läget nu:",
    # --- statuses shown ---
    "status.not_started": "Ej påbörjad",
    "status.on_track": "Framskrider enligt plan",
    "status.at_risk": "Risk för försening",
    "status.delayed": "Försenad",
    "status.done": "Klar",
    "status.postponed": "Uppskjuten",
    # --- the command line (coordinator's tools) ---
    "cli.import_ok": "Importerat {path}: {themes} teman, {created} nya och {updated} ändrade "
    "åtgärder ({unchanged} oförändrade). Lägesuppdateringarna rördes inte.",
    "cli.import_failed": "Importen misslyckades, ingenting ändrades. {count} fel i filen {path}:",
    "cli.import_error_line": "rad {line}, {field}: {message}",
    "cli.file_unreadable": "Filen {path} kan inte läsas: {reason}",
    "cli.restore_ok": "Återställt {path}: {measures} åtgärder och {updates} lägesuppdateringar.",
    "cli.restore_not_empty": "En återställning görs bara till en tom databas, och den här "
    "innehåller redan {measures} åtgärder. Ingenting ändrades. Ange en tom databas: "
    "DATABASE_URL=…",
    "cli.restore_invalid": "{path} är inte en digibot-export i JSON med historik som kan "
    "återställas. Ingenting ändrades. {count} fel:",
    "cli.restore_problem": "vid {place}: {message}",
    "cli.restore_how": "En säkerhetskopia görs med: digibot export --format json --history",
    "cli.coordinator_added": "{ref} är nu digikoordinator.",
    "cli.coordinator_exists": "{ref} är redan digikoordinator.",
    "cli.coordinator_removed": "{ref} är inte längre digikoordinator.",
    "cli.coordinator_missing": "{ref} är inte en digikoordinator som lagts till i databasen.",
    "cli.coordinator_from_env": "{ref} (från inställningen DIGIBOT_COORDINATORS)",
    "cli.coordinator_none": "Det finns inga digikoordinatorer. Lägg till: digibot coordinator "
    "add <användar-id eller e-post>",
    "cli.bad_ref": "”{ref}” är varken ett användar-id eller en e-postadress. Exempel: "
    "digibot coordinator add U0123ABCD eller fornamn.efternamn@tornio.fi",
    "cli.bad_database_url": "DATABASE_URL duger inte ({reason}). Exempel: "
    "sqlite:///digibot.db eller postgresql+psycopg://användare:lösenord@server/digibot",
    "cli.db_refused": "Databasen godkände inte uppgifterna, och ingenting sparades: {reason}",
    "cli.db_unavailable": "Ingen förbindelse till databasen {url}: {reason}",
    "console.welcome": "Digibots konsol — som användaren {actor}. Skriv hjälp, avsluta med Ctrl-D.",
    "demo.loaded": "Exempelprogrammet (påhittat, inte verkligt) har laddats i databasen {path}.",
    "demo.try": "Prova: lista · visa 1.1 · status 1.1 enligt-plan 40 % Pilotprojektet pågår · "
    "historik 1.1 · ångra",
    # --- import errors ---
    "import.required": "obligatoriskt fält saknas",
    "import.duplicate_id": "id {id} finns redan på rad {first}",
    "import.bad_id": "”{value}” duger inte som id: använd bokstäver, siffror och tecknen . _ -",
    "import.unknown_theme": "temat ”{value}” har inte definierats under themes",
    "import.bad_person": "”{value}” är varken ett användar-id eller en e-postadress",
    "import.bad_date": "”{value}” är inte ett datum; använd formen 2026, 2026-06 eller 2026-06-30",
    "import.due_before_start": "slutar ({due}) innan den börjar ({start})",
    "import.bad_budget": "”{value}” är inte ett belopp i euro; använd ett heltal, t.ex. 20000",
    "import.bad_level": "”{value}” är inte en mognadsnivå 1–5 (decimaler tillåtna, t.ex. 2.8)",
    "import.bad_year": "”{value}” är inte ett årtal",
    "import.not_text": "text väntades, fick {value}",
    "import.too_long": "för lång ({length} tecken, högst {limit})",
    "import.not_mapping": 'nyckel–värde-par väntades (t.ex. id: "1.1")',
    "import.not_list": "en lista väntades",
    "import.unknown_field": "okänt fält; tillåtna: {fields}",
    "import.yaml_syntax": "YAML-filen är felaktig: {problem}",
    "import.csv_syntax": "CSV-filen är felaktig: {problem}",
    "import.csv_columns": "raden har {count} kolumner, rubrikraden {expected}",
    "import.empty": "filen innehåller inga åtgärder",
    "import.not_utf8": "filen är inte i UTF-8-format; spara den i Excel i formatet ”CSV UTF-8”",
    "import.unknown_format": "jag känner bara igen .yaml-, .yml- och .csv-filer",
    "import.control_character": "texten innehåller ett styrtecken ({char}) som inte kan sparas",
    "import.duplicate_key": "{name} finns redan på rad {first}",
    "import.too_large": "filen är större än {limit} MB; en programfil är mycket mindre",
    "import.yaml_aliases": "YAML-hänvisningarna (*namn) skulle utvidgas till fler än {limit} "
    "värden; skriv ut värdena",
    "import.too_deep": "YAML-filen är kapslad i fler än {limit} nivåer; en programfil har fyra",
    # --- restore errors ---
    "restore.json_syntax": "filen är inte giltig JSON (rad {line}, kolumn {column})",
    "restore.no_history": "exporten är gjord utan historik; gör den med flaggan --history",
    "restore.version": "okänd version {value} av exportformatet; den här digibot läser "
    "versionerna {known}",
    "restore.unknown_field": "okänt fält",
    "restore.not_text": "text väntades, fick {value}",
    "restore.not_integer": "ett heltal väntades, fick {value}",
    "restore.not_number": "ett tal väntades, fick {value}",
    "restore.not_bool": "true eller false väntades, fick {value}",
    "restore.not_list": "en lista [ … ] väntades, fick {value}",
    "restore.not_object": "ett objekt {{ … }} väntades, fick {value}",
    "restore.bad_time": "”{value}” är inte en tidsstämpel med tidszon, t.ex. 2025-04-01T09:30:00Z",
    "restore.bad_value": "värdet {value} duger inte",
    "restore.duplicate": "{id} finns redan vid {first}",
    "restore.bad_status": "”{value}” är inte en status; statusarna är {statuses}",
    "restore.bad_progress": "{value} är inte ett framsteg 0–100 %",
    "restore.out_of_range": "{value} är utanför det tillåtna intervallet",
    "restore.not_one_of": "”{value}” duger inte; tillåtna: {allowed}",
    "restore.bad_day": "”{value}” är inte en dag i formen 2025-05-20",
    "restore.bad_period": "”{value}” är inte namnet på en lägesöversikt; använd formen "
    "2025-H1, 2025-05-20 eller 2025-01-15-extra",
    "restore.too_deep": "filen är kapslad alldeles för djupt för att vara en digibot-export",
    "restore.kind_mismatch": "lägesöversikten {name} kan inte vara av slaget ”{kind}” (en "
    "extra lägesöversikts namn slutar på -extra)",
    "restore.unknown_update": "lägesuppdateringen {value} finns inte i historiken",
    "restore.bad_reference": "konversationshänvisningen är inte ett JSON-objekt",
    # --- each person's language ---
    "help.language": "{p}språk <språk> — det språk boten svarar dig på. T.ex. {p}språk fi",
    "language.current": "Jag svarar dig på svenska. Byt språk: {p}språk <språk>; "
    "språk: {languages}.",
    "language.set": "Klart: jag svarar dig hädanefter på svenska.",
    "language.unknown": "Jag kan inte svara på ”{word}”. Språk att välja mellan: "
    "{languages}. Ingenting sparades.",
    "language.example": "Exempel: {p}språk sv",
    "language.name.fi": "finska",
    "language.name.sv": "svenska",
    "language.name.en": "engelska",
    "teams.command.language": "språk",
    "teams.command.language.help": "språk sv — det språk boten svarar dig på",
    # --- the executive summary ---
    "summary.overview_short": "Läget {date}: {count} åtgärder, klara {done}, genomsnittligt "
    "framsteg {average}.",
    "summary.changed_line": "{heading}: {changes}.",
    "summary.changed_done": "{count} blev klara",
    "summary.changed_delayed": "{count} försenades",
    "summary.changed_other": "{count} andra ändringar",
    "summary.changed_other_one": "{count} annan ändring",
    "summary.attention_count": "Att uppmärksamma ({count})",
    "summary.more": "… och {count} till.",
    "summary.reason.overdue": "tidsfristen {due} har passerats",
    "summary.reason.behind": "framsteg bara {progress}",
    "summary.theme_changes": "Lägesändringar ({count})",
    "summary.col.theme": "Tema",
    "summary.col.change": "Ändring",
    "summary.grouped": "Varje åtgärd finns under sitt eget tema.",
    "summary.chart_omitted": "Diagrammet utelämnades: det ryms inte i ett meddelande via "
    "Teams-webhooken. Översikten med diagram för utskrift: digibot summary preview --format html",
    "restore.unknown_revision": "revisionen {value} finns inte i förteckningen över revisioner",
    "restore.unknown_period": "perioden ”{value}” finns inte i förteckningen över perioder",
    "restore.out_of_order": "planändringarna är inte i tidsordning ({value})",
    # --- the programme in time: chat ---
    "show.due_moved": "{schedule}, ursprungligen {original}",
    "history.plan": "📋 Programändring {revision} ({date}): {changes}",
    "history.added": "🆕 Tillagd i programmet genom ändring {revision} ({date})",
    "history.retired": "🗄️ Utgick ur programmet genom ändring {revision} ({date})",
    "history.closed": "🗄️ Avslutad med perioden {period} ({date})",
    "history.reinstated": "↩️ Återinförd i programmet genom ändring {revision} ({date})",
    "plan.change": "{field} {old} → {new}",
    "plan.changed": "{field} ändrades",
    "retired.by_revision": "Utgick ur programmet {date} genom ändring {revision}.",
    "retired.with_period": "Avslutad med perioden {period} {date}.",
    "retired.at": "Utgick ur programmet {date}.",
    "flag.retired": "🗄️ Inte längre med i programmet. {retired} Historiken finns kvar.",
    "retired.refused": "Åtgärden {id} är inte längre med i programmet, så dess läge "
    "uppdateras inte. {retired} Ingenting sparades.",
    "option.unknown": "Okänt tillval ”{word}”. Här går: {options}.",
    "option.needs_value": "Tillvalet {word} behöver ett värde (det saknas eller gavs två gånger).",
    "asof.bad_date": "Jag känner inte igen dagen ”{text}”. Ange den som 2026-05-20 eller "
    "20.5.2026.",
    "asof.future": "{date} ligger i framtiden (i dag är det {today}): läget kan bara visas "
    "per i dag eller en tidigare dag.",
    "asof.before": "Programmet hade ännu inte importerats {date}: det importerades första "
    "gången {first}.",
    "asof.none": "Inget program har importerats ännu: det finns inget läge för någon dag.",
    "asof.intro": "Läget vid slutet av {date}:",
    "asof.not_yet": "Åtgärden {id} var ännu inte med i programmet {date}.",
    "list.as_of_period": "När perioden {period} avslutades ({date}):",
    "list.unknown_period": "Perioden ”{period}” finns inte. Perioderna: {periods}.",
    "list.period_and_as_of": "Ange antingen --period eller --per, inte båda.",
    # --- the programme in time: the summary and the import ---
    "summary.revised": "Programmet reviderat ({labels})",
    "summary.revised_mention": "Programmet reviderat ({labels}): {added} tillagda, {retired} "
    "utgångna, {moved} tidsfrister flyttade, {owners} ansvarspersoner bytta.",
    "summary.revised_added": "Tillagda ({count})",
    "summary.revised_retired": "Utgångna ({count})",
    "summary.revised_moved": "Tidsfristen flyttad ({count})",
    "summary.revised_owners": "Ansvarspersonen bytt ({count})",
    "summary.revised_none": "Revisionen lade inte till eller tog bort någon åtgärd, flyttade "
    "ingen tidsfrist och bytte ingen ansvarsperson.",
    "summary.as_of_bad": "--as-of tar en dag som ÅÅÅÅ-MM-DD eller D.M.ÅÅÅÅ, t.ex. 2026-05-20 "
    "(angivet: {value}).",
    "summary.show_period": "Ange översikten, t.ex. digibot summary show 2026-H1. Publicerade: "
    "{periods}",
    "summary.show_unknown": "Ingen översikt {period} har publicerats. Publicerade: {periods}",
    "summary.show_none": "inga",
    "summary.cli_usage": "Användning: digibot summary preview [--as-of ÅÅÅÅ-MM-DD] | post "
    "[--force] | show ÖVERSIKT (t.ex. 2026-H1)",
    "import.refused": "Importen av {path} avvisades, ingenting ändrades:",
    "import.mass_retire": "filen skulle låta {count} av de {total} gällande åtgärderna utgå, "
    "mer än hälften. Blev filen avkortad? Om det är meningen, importera igen med "
    "--allow-mass-retire.",
    "import.mass_retire_all": "filen skulle låta alla {total} gällande åtgärder utgå (den "
    "nämner ingen av dem). Om det är meningen, importera igen med --allow-mass-retire; en ny "
    "period: --new-period.",
    "import.new_period_unnamed": "--new-period behöver den nya periodens namn i filens "
    "programme.period (YAML; en CSV-fil har ingen programrad)",
    "import.new_period_same": "filens period {period} är redan den gällande perioden; en ny "
    "period behöver ett nytt namn i programme.period, eller importera revisionen utan "
    "--new-period",
    "import.period_closed": "perioden {period} har redan avslutats; en avslutad period öppnas "
    "inte igen",
    "import.period_differs": "filens period är {period}, men den gällande perioden är "
    "{current}. Öppna den nya perioden: digibot import FIL --new-period",
    "import.id_reused": "beteckningen {id} var en annan åtgärd under en tidigare period: "
    "”{old}”, i filen ”{new}”. Ge den nya åtgärden en ny beteckning; är det samma åtgärd, för "
    "över den med sitt gamla namn och byt namnet i en vanlig revision.",
    "import.dry_run": "Provkörning: ingenting ändrades. Importen av {path} skulle ge "
    "revisionen ”{label}” (period {period}):",
    "import.dry_run_nothing": "Provkörning: ingenting ändrades. Importen av {path} skulle inte "
    "ändra något.",
    "import.revision_recorded": "Revisionen ”{label}” (period {period}) registrerad av {by}:",
    "import.nothing_changed": "Filen motsvarar programmet: ingenting ändrades, ingen revision "
    "registrerades.",
    "import.new_period_opened": "Perioden {period} är öppen och perioden {previous} avslutad.",
    "revision.counts": "Åtgärder: {added} tillagda, {retired} utgångna, {reinstated} "
    "återinförda, {changed} ändrade. Teman: {themes_added} tillagda, {themes_retired} "
    "utgångna, {themes_reinstated} återinförda, {themes_changed} ändrade.",
    "revision.none": "Inga ändringar.",
    "revision.measures_added": "Tillagda åtgärder:",
    "revision.measures_retired": "Utgångna åtgärder:",
    "revision.measures_reinstated": "Återinförda åtgärder:",
    "revision.measures_changed": "Ändrade åtgärder:",
    "revision.themes_added": "Tillagda teman:",
    "revision.themes_retired": "Utgångna teman:",
    "revision.themes_reinstated": "Återinförda teman:",
    "revision.themes_changed": "Ändrade teman:",
    "revision.item": "{code} {title}",
    "revision.field_change": "{field}: {old} → {new}",
    "revision.field.code": "beteckning",
    "revision.field.theme_id": "tema",
    "revision.field.title": "namn",
    "revision.field.name": "namn",
    "revision.field.description": "beskrivning",
    "revision.field.owner_id": "ansvarsperson",
    "revision.field.deputy_ids": "ersättare",
    "revision.field.unit": "ansvarsenhet",
    "revision.field.start": "börjar",
    "revision.field.due": "tidsfrist",
    "revision.field.budget_eur": "budget",
    "revision.field.indicator": "mätare",
    "revision.field.baseline": "utgångsnivå",
    "revision.field.current": "nuvarande nivå",
    "revision.field.target": "mål",
    # --- maturity ---
    "help.maturity": "{p}mognad [<tema> [<nivå> <källa> <datum>]] — temanas digitala mognad "
    "(1–5); digikoordinatorn registrerar en nivå. T.ex. {p}mognad T1 3,2 Självvärdering 10/2026",
    "example.maturity": "Exempel: {p}mognad T1 3,2 Självvärdering 10/2026 (datumet också "
    "2026-10, 15.10.2026 eller 2026-10-15; i dag om det lämnas bort)",
    "teams.command.maturity": "mognad",
    "teams.command.maturity.help": "mognad [tema] — digital mognad 1–5: utgångsnivå, "
    "bedömningar, mål",
    "maturity.refused": "Mognadsnivåer registreras av digikoordinatorn; ingenting sparades.",
    "maturity.refused_hint": "Se temats mognad med {p}mognad {id}",
    "maturity.bad_level": "”{value}” är inte en mognadsnivå från 1 till 5 (högst två decimaler, "
    "t.ex. 3,2). Ingenting sparades.",
    "maturity.bad_date": "”{value}” är inte ett datum. Ange bedömningens månad eller dag: "
    "10/2026, 2026-10, 15.10.2026 eller 2026-10-15. Ingenting sparades.",
    "maturity.future_date": "Bedömningsdatumet {when} ligger i framtiden: ange det datum då "
    "nivån bedömdes. Ingenting sparades.",
    "maturity.source_too_long": "Källan är för lång ({length} tecken, högst {limit}). "
    "Ingenting sparades.",
    "maturity.repeat": "Den här bedömningen har redan sparats; ingenting sparades på nytt.",
    "maturity.recorded": "{theme}: mognad {level} ({about}); utgångsnivå {baseline} → mål {target}",
    "maturity.path_hint": "Temats mognad över tid: {p}mognad {id}",
    "maturity.title": "{theme} — digital mognad (1–5)",
    "maturity.baseline": "Utgångsnivå {level}",
    "maturity.target": "Mål {level}",
    "maturity.assessment": "{level} — {source}, {when} ({author})",
    "maturity.origin.chat": "bedömning",
    "maturity.origin.maturity-import": "importerad bedömning",
    "maturity.origin.programme": "programfilen",
    "maturity.none": "Ingen mognadsbedömning har ännu registrerats för temat.",
    "maturity.overview": "Digital mognad per tema (1–5)",
    "maturity.line": "{theme}: utgångsnivå {baseline} → nu {current} → mål {target}",
    "maturity.no_themes": "Programmet har ännu inga teman.",
    "theme.not_found": "Temat ”{id}” hittades inte. Menade du: {ids}?",
    "theme.not_found_none": "Temat ”{id}” hittades inte.",
    "theme.known": "Teman: {ids}",
    "maturity.import.empty": "filen innehåller inga bedömningar",
    "maturity.import.unknown_theme": "temat ”{value}” finns inte i programmet (närmast: {ids})",
    "maturity.import.bad_date": "”{value}” är inte ett datum; använd 10/2026, 2026-10, "
    "15.10.2026 eller 2026-10-15",
    "maturity.import.future_date": "bedömningsdatumet {value} ligger i framtiden",
    "maturity.import.duplicate": "samma bedömning finns redan på rad {first}",
    "cli.maturity_ok": "Importerade {path}: {count} mognadsbedömningar registrerade ({already} "
    "var redan registrerade).",
    "cli.maturity_line": "{theme}: {level} ({about}), rad {line}",
    # --- money ---
    "help.spent": "{p}använt <beteckning> <euro> [--år <år>] [anteckning] — registrerar vad "
    "som hittills använts på en åtgärd under budgetåret. T.ex. {p}använt 1.1 12 400",
    "teams.command.spent": "använt",
    "teams.command.spent.help": "använt 1.1 12 400 — använt hittills i år",
    "usage.spent": "Ange åtgärdens beteckning och det använda beloppet i euro.",
    "example.spent": "Exempel: {p}använt 1.1 12 400,50 --år 2025 Hårdvara",
    "spent.example": "Exempel: {p}använt {id} 12 400,50 (ett år: --år 2025)",
    "spent.bad_amount": "”{value}” är inte ett belopp i euro. Ange noll eller mer, t.ex. "
    "12 400 eller 12 400,50 €. Ingenting sparades.",
    "spent.bad_year": "”{value}” är inte ett budgetår. Ange fyra siffror, t.ex. --år 2025. "
    "Ingenting sparades.",
    "spent.absurd": "{amount} är över {times} gånger anslaget eller budgeten för {year} "
    "({basis}): knappast rätt. Ingenting sparades.",
    "spent.absurd_hint": "Kontrollera beloppet. Om det är rätt, rapportera det i formuläret och "
    "bekräfta det.",
    "spent.confirm": "Ja, beloppet är rätt",
    "spent.retired": "Åtgärden {id} har utgått ur programmet: ingenting mer registreras på den. "
    "Ingenting sparades.",
    "spent.recorded": "Sparat. Åtgärdens {id} pengar nu:",
    "spent.already_recorded": "Beloppet var redan sparat. Åtgärdens {id} pengar:",
    "field.appropriation": "Anslag {year}",
    "field.appropriations": "Anslag sammanlagt",
    "field.spent": "Använt {year}",
    "field.spent_total": "Använt sammanlagt",
    "flag.over_budget": "⚠️ Över anslaget: använt {spent} mot planerat {planned} ({when}).",
    "flag.over_total": "sammanlagt",
    "form.spent": "Använt hittills i år (€)",
    "form.spent_confirm": "Ett stort belopp (över 100 × anslaget)",
    "form.spent_confirm_hint": "Om det är rätt, kryssa i ”Ja, beloppet är rätt” och skicka igen.",
    "form.spent_hint": "Frivilligt. T.ex. 12 400 eller 12 400,50",
    "history.spending": "Rapporterade kostnader, nyaste först",
    "history.spending_line": "{time} — {year}: {amount}, av {author}",
    "import.bad_appropriations": "ange anslagen per år, t.ex. appropriations: {{2025: 10000, "
    "2026: 12400}} (du angav {value})",
    "import.bad_appropriation": "anslaget för {year} ”{value}” är inte ett belopp i euro (t.ex. "
    "12400 eller 12400,50)",
    "import.bad_amount": "”{value}” är inte ett belopp i euro (t.ex. 12400 eller 12400,50)",
    "import.duplicate_actual": "åtgärd {id}, år {year} finns redan på rad {first}",
    "import.unknown_measure": "åtgärden ”{value}” finns inte i programmet",
    "import.retired_measure": "åtgärden {value} har utgått ur programmet",
    "import.bad_day": "”{value}” är inte en dag; använd 2026-03-31 eller 31.3.2026",
    "cli.actuals_ok": "{path}: {count} utfall registrerade.",
    "cli.actuals_line": "{id} {year}: {amount} ({day})",
    # --- absences and leavers ---
    "help.away": "{p}borta till <datum> [anteckning] — dina påminnelser går under tiden till dina "
    "ersättare. T.ex. {p}borta till 10.1.2027 Föräldraledighet",
    "help.back": "{p}tillbaka — avslutar din frånvaro",
    "example.away": "Exempel: {p}borta till 10.1.2027 Föräldraledighet (ett datum som 10.1.2027 "
    "eller 2027-01-10, högst ett år framåt; digikoordinatorn: {p}borta @någon till 10.1.2027)",
    "example.back": "Exempel: {p}tillbaka (digikoordinatorn: {p}tillbaka @någon)",
    "teams.command.away": "borta",
    "teams.command.away.help": "borta till 10.1.2027 — påminnelserna går till dina ersättare "
    "medan du är borta",
    "away.no_day": "Säg till vilken dag du är borta.",
    "away.bad_day": "”{text}” är inte ett datum.",
    "away.past": "{day} har redan varit: en frånvaro slutar i dag eller senare.",
    "away.too_far": "En frånvaro kan anges högst ett år framåt (till {last}).",
    "away.refused": "Bara digikoordinatorn kan ange någon annans frånvaro. Din egen kan du ange.",
    "away.unknown_person": "”{who}” finns inte bland programmets personer: använd deras id "
    "eller e-postadress.",
    "away.recorded": "Registrerat: {who} är borta till {until}. Påminnelserna går under tiden "
    "till ersättarna, eller till digikoordinatorerna där det inte finns några.",
    "away.back_hint": "Frånvaron slutar av sig själv. Tillbaka tidigare: {p}tillbaka",
    "back.recorded": "Välkommen tillbaka: {who} är här igen och får påminnelserna.",
    "back.not_away": "{who} är inte markerad som borta.",
    "presence.away": "borta till {until}",
    "presence.left": "har slutat",
    "presence.owner_away": "ansvarspersonen borta till {until}",
    "presence.owner_left": "ansvarspersonen har slutat",
    "presence.you_away": "Du är borta till {until}: påminnelserna går under tiden till dina "
    "ersättare.",
    "stale.owner_left": "Ansvarspersonen har slutat ({count}) — ge åtgärderna en ny ansvarsperson",
    "summary.owner_left": "Ansvarspersonen har slutat ({count})",
    "summary.reason.owner_left": "ansvarspersonen har slutat",
    # --- people: handing over, and their data ---
    "help.owner": "{p}ansvarig <beteckning> <@person | e-post> — ger en åtgärd en ny "
    "ansvarsperson (för digikoordinatorn)",
    "help.deputy": "{p}ersättare <beteckning> lägg-till | ta-bort <@person | e-post> — en "
    "åtgärds ersättare (för digikoordinatorn)",
    "example.owner": "Exempel: {p}ansvarig 1.1 @Maija eller {p}ansvarig 1.1 maija@stad.example",
    "example.deputy": "Exempel: {p}ersättare 1.1 lägg-till @Maija",
    "handover.owner_usage": "Ange åtgärdens beteckning och den nya ansvarspersonen (ett "
    "omnämnande, ett användar-id eller en e-postadress).",
    "handover.deputy_usage": "Ange åtgärdens beteckning, lägg-till eller ta-bort, och personen "
    "(ett omnämnande, ett användar-id eller en e-postadress).",
    "handover.refused": "Ansvarspersoner och ersättare byts av digikoordinatorn.",
    "handover.retired": "Åtgärden {id} har utgått ur programmet: den kan inte överlåtas.",
    "handover.unknown": "Ingen användare {who} hittades. Ingenting ändrades.",
    "handover.unknown_hint": "Nämn personen, eller ange deras e-postadress eller användar-id. "
    "I Teams måste personen först ha chattat med boten.",
    "handover.already_owner": "{who} är redan ansvarsperson för åtgärden {id}.",
    "handover.already_member": "{who} är redan ansvarsperson eller ersättare för åtgärden {id}.",
    "handover.not_deputy": "{who} är inte ersättare för åtgärden {id}. Ingenting ändrades.",
    "handover.owner_done": "Ansvarsperson för åtgärden {id}: {old} → {new}. Den nya "
    "ansvarspersonen har fått ett meddelande.",
    "handover.deputy_added": "{who} är nu ersättare för åtgärden {id}.",
    "handover.deputy_removed": "{who} är inte längre ersättare för åtgärden {id}.",
    "handover.dm_title": "Du är nu ansvarsperson",
    "handover.dm_intro_by": "{by} överlät till dig: {ids}.",
    "handover.dm_intro": "En revision av programmet överlät till dig: {ids}.",
    "handover.dm_owned": "Du är nu ansvarsperson för {count} åtgärder:",
    "handover.dm_hint": "Rapportera läget: {p}status {id} enligt-plan 10 % …",
    "handover.history_owner": "ansvarsperson {old} → {new}",
    "handover.history_deputies": "ersättare {old} → {new}",
    "person.former": "tidigare ansvarsperson {number}",
    "cli.person_unknown": "Det finns ingen person {ref} i databasen.",
    "cli.person_exported": "Uppgifterna om person {id} skrevs till {path}",
    "cli.person_forgotten": "Person {id} ersattes överallt av pseudonymen ”{pseudonym}”; "
    "programmets historik finns kvar.",
    "cli.person_already_forgotten": "Person {id} var redan ersatt av pseudonymen "
    "”{pseudonym}”: ingenting ändrades.",
    "page.privacy.stored.names": "En persons namn från programmets personförteckning eller "
    "från deras Slack- eller Teams-profil, så att ansvarspersoner visas med namn och inte med "
    "ett id.",
    "page.privacy.stored.roles": "Byten av ansvarspersoner och ersättare: vem som överlät en "
    "åtgärd till vem och när (programmets historik).",
    "page.privacy.access": "På begäran ger operatören dig alla uppgifter som lagrats om dig "
    "(digibot person export) eller ersätter ditt namn och dina id:n överallt med en pseudonym "
    "(digibot person forget). Programmets historik — uppdateringarna, deras anteckningar och "
    "tider — bevaras, eftersom den är stadens handling.",
    "cli.handover_sent": "{sent} nya ansvarspersoner fick ett meddelande ({unreachable} kunde "
    "inte nås).",
    # --- the summary's maturity and money (issue 12) ---
    "summary.money_short": "Anslag {planned}, använt hittills {spent} ({share}).",
    "summary.maturity_short": "Mognad (1–5, medeltal för {count} teman): utgångsnivå "
    "{baseline} → nu {current}, mål {target}.",
    "summary.board": "Mognad och pengar",
    "summary.money": "Programmets anslag sammanlagt {planned}; använt hittills {spent} "
    "({share}). Planerat är åtgärdens budget eller dess anslag för alla budgetår sammanlagt; "
    "använt är kostnaderna för alla år. Över anslaget är en åtgärd vars kostnader överstiger "
    "anslaget för {year} eller det planerade totalbeloppet.",
    "summary.col.baseline": "Utgångsnivå",
    "summary.col.previous": "Föregående bedömning",
    "summary.col.now": "Nu",
    "summary.col.target": "Mål",
    "summary.col.planned": "Planerat",
    "summary.col.spent": "Använt",
    "summary.col.share": "Andel",
    "summary.board_line": "{theme}: mognad {baseline} → {previous} → {current}, mål {target}; "
    "planerat {planned}, använt {spent} ({share})",
    "summary.maturity_path": "Digital mognad (1–5): utgångsnivå {baseline} → föregående "
    "bedömning {previous} → nu {current} → mål {target}",
    "summary.theme_money": "Planerat {planned}, använt hittills {spent} ({share}).",
    "summary.over_budget": "Över anslaget ({count})",
    "summary.over_budget_line": "{name} — använt {spent} mot planerat {planned} ({when}) ({owner})",
    "summary.reason.over_budget": "över anslaget: använt {spent} mot planerat {planned} ({when})",
    "summary.chart_alt_of": "{title}: {themes}.",
    "summary.maturity_chart": "Digital mognad per tema (1–5)",
    "summary.maturity_alt_theme": "{theme}: utgångsnivå {baseline}, bedömningar {assessed}, "
    "mål {target}",
    "summary.spending_chart": "Planerade och använda pengar per tema",
    "summary.spending_alt_theme": "{theme}: planerat {planned}, använt {spent} ({share})",
    "summary.legend.earlier": "Tidigare bedömningar",
    "summary.axis.level": "Mognadsnivå (1–5)",
}
