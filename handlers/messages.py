"""The message catalogue: every text a user reads, in Finnish and English here and in
Swedish in handlers/messages_sv.py (one text a key, merged in below).

Templates hold no markup; `{name}` placeholders are filled with plain values and the
renderer escapes the result for its platform."""

from __future__ import annotations

from typing import Literal

Language = Literal["fi", "sv", "en"]
LANGUAGES: tuple[Language, ...] = ("fi", "sv", "en")

MESSAGES: dict[str, dict[str, str]] = {
    # --- help ---
    "help.title": {
        "fi": "Digiohjelman botti — komennot",
        "en": "Digital programme bot — commands",
    },
    "help.status": {
        "fi": "{p}tila <tunnus> <tila> [<n> %] [huomio] — kirjaa tilannepäivityksen. "
        "Esim. {p}tila 1.1 aikataulussa 40 % Pilotti käynnissä",
        "en": "{p}status <id> <status> [<n>%] [note] — records a status update. "
        "E.g. {p}status 1.1 on-track 40% Pilot running",
    },
    "help.update": {
        "fi": "{p}päivitä — avaa lomakkeen omista toimenpiteistäsi",
        "en": "{p}update — opens a form listing your own measures",
    },
    "help.show": {
        "fi": "{p}näytä <tunnus> [--ajankohta <päivä>] — toimenpiteen tilanne (nyt tai "
        "päivän päättyessä). Esim. {p}näytä 1.1, {p}näytä 1.1 --ajankohta 20.5.2026",
        "en": "{p}show <id> [--as-of <day>] — a measure's state (now, or at the end of a "
        "day). E.g. {p}show 1.1, {p}show 1.1 --as-of 2026-05-20",
    },
    "help.history": {
        "fi": "{p}historia <tunnus> — toimenpiteen päivitykset ja suunnitelman muutokset "
        "uusimmasta alkaen",
        "en": "{p}history <id> — a measure's updates and plan changes, newest first",
    },
    "help.list": {
        "fi": "{p}lista [omat | <teema> | <tila>] [--kausi <kausi> | --ajankohta <päivä>] — "
        "toimenpiteet tilamerkein. Esim. {p}lista omat, {p}lista T2, {p}lista viivästynyt, "
        "{p}lista --kausi 2024-2026",
        "en": "{p}list [mine | <theme> | <status>] [--period <period> | --as-of <day>] — "
        "measures with status marks. E.g. {p}list mine, {p}list T2, {p}list delayed, "
        "{p}list --period 2024-2026",
    },
    "help.undo": {
        "fi": "{p}peru [<tunnus>] — peruu oman viimeisimmän päivityksesi (24 tunnin sisällä)",
        "en": "{p}undo [<id>] — withdraws your latest update (within 24 hours)",
    },
    "help.stale": {
        "fi": "{p}päivittämättä — toimenpiteet, joita ei ole päivitetty edellisen katsauksen "
        "jälkeen (digikoordinaattorille)",
        "en": "{p}stale — measures with no update since the last summary (for coordinators)",
    },
    "stale.title": {
        "fi": "Päivittämättä ({count})",
        "en": "Stale: no update since the last summary ({count})",
    },
    "stale.none": {
        "fi": "Kaikki toimenpiteet on päivitetty edellisen katsauksen jälkeen.",
        "en": "Every measure has been updated since the last summary.",
    },
    "stale.refused": {
        "fi": "Päivittämättömien lista on digikoordinaattoreille. Toimenpiteiden tilanteet "
        "näet komennolla lista.",
        "en": "The stale list is for coordinators. Everyone can see the measures with list.",
    },
    "help.help": {
        "fi": "{p}ohje — tämä ohje",
        "en": "{p}help — this help",
    },
    "help.statuses": {
        "fi": "Tilat: {words}. Tiloille riski ja viivästynyt kirjoita myös syy.",
        "en": "Statuses: {words}. At-risk and delayed also need a reason.",
    },
    "help.languages": {
        "fi": "Komennot käyvät suomeksi, ruotsiksi ja englanniksi (tila = status, "
        "näytä = visa = show …).",
        "en": "Commands work in English, Finnish and Swedish (status = tila, "
        "show = näytä = visa …).",
    },
    "hint.status": {"fi": "tila 1.1 aikataulussa 40 %", "en": "status 1.1 on-track 40%"},
    "hint.show": {"fi": "näytä 1.1", "en": "show 1.1"},
    "hint.list": {"fi": "lista omat", "en": "list mine"},
    "hint.help": {"fi": "ohje", "en": "help"},
    "help.short": {
        "fi": "En tunnista komentoa ”{text}”. Esimerkki: {p}tila 1.1 aikataulussa 40 % "
        "Pilotti käynnissä. Kaikki komennot: {p}ohje",
        "en": "I don't recognise the command “{text}”. Example: {p}status 1.1 on-track 40% "
        "Pilot running. All commands: {p}help",
    },
    "form.chat_only": {
        "fi": "Päivityslomake avautuu chatissa. Täällä kirjaa päivitys komennolla, "
        "esim. {p}tila 1.1 aikataulussa 40 % Pilotti käynnissä",
        "en": "The update form opens in chat. Here, record an update with a command, "
        "e.g. {p}status 1.1 on-track 40% Pilot running",
    },
    # --- the update form and the home view ---
    "form.title": {"fi": "Tilannepäivitys", "en": "Status update"},
    "form.saved_title": {"fi": "Tallennettu", "en": "Saved"},
    "form.submit": {"fi": "Tallenna", "en": "Save"},
    "form.close": {"fi": "Sulje", "en": "Close"},
    "form.measure": {"fi": "Toimenpide", "en": "Measure"},
    "form.status": {"fi": "Tila", "en": "Status"},
    "form.progress": {"fi": "Edistyminen (0–100 %)", "en": "Progress (0–100%)"},
    "form.note": {"fi": "Huomio", "en": "Note"},
    "form.note_hint": {
        "fi": "Tiloille riski ja viivästynyt kirjoita syy: johtoryhmä tarvitsee sen.",
        "en": "For at risk and delayed, write the reason: leadership needs it.",
    },
    "form.pick_measure": {"fi": "Valitse toimenpide.", "en": "Choose a measure."},
    "form.pick_status": {"fi": "Valitse tila.", "en": "Choose a status."},
    "form.ask_coordinator": {
        "fi": "Jos sinun kuuluisi vastata jostakin toimenpiteestä, pyydä digikoordinaattoria "
        "lisäämään sinut ohjelmatiedostoon.",
        "en": "If a measure should be yours, ask a coordinator to add you to the programme file.",
    },
    "home.title": {"fi": "Omat toimenpiteesi", "en": "Your measures"},
    "home.update": {"fi": "Päivitä", "en": "Update"},
    "home.updated": {"fi": "päivitetty {time}", "en": "updated {time}"},
    "home.hint": {
        "fi": "Päivitä myös komennolla {p}tila 1.1 aikataulussa 40 % · kaikki komennot: {p}ohje",
        "en": "You can also type {p}status 1.1 on-track 40% · all commands: {p}help",
    },
    # --- the leadership summary ---
    "summary.h1": {"fi": "kevät {year}", "en": "spring {year}"},
    "summary.h2": {"fi": "syksy {year}", "en": "autumn {year}"},
    "summary.title": {
        "fi": "{programme} — tilannekatsaus, {period}",
        "en": "{programme} — progress report, {period}",
    },
    "summary.default_programme": {"fi": "Digiohjelma", "en": "Digital programme"},
    "summary.overview": {
        "fi": "Tilanne {date}: {count} toimenpidettä. Valmiina {done}; keskimääräinen "
        "edistyminen {average} (valmiit 100 %, raportoimattomat 0 %).",
        "en": "State on {date}: {count} measures. Done: {done}; average progress {average} "
        "(done counts as 100%, unreported as 0%).",
    },
    "summary.by_status": {"fi": "Toimenpiteet tiloittain", "en": "Measures by status"},
    "summary.col.status": {"fi": "Tila", "en": "Status"},
    "summary.col.count": {"fi": "Määrä", "en": "Count"},
    "summary.col.mark": {"fi": "Tila", "en": "Status"},
    "summary.col.id": {"fi": "Tunnus", "en": "Id"},
    "summary.col.title": {"fi": "Toimenpide", "en": "Measure"},
    "summary.col.owner": {"fi": "Vastuuhenkilö", "en": "Owner"},
    "summary.col.progress": {"fi": "Edistyminen", "en": "Progress"},
    "summary.col.updated": {"fi": "Päivitetty", "en": "Updated"},
    "summary.chart_alt": {
        "fi": "Toimenpiteiden tilat teemoittain",
        "en": "Status of the measures by theme",
    },
    "summary.chart_alt_numbers": {
        "fi": "{title}. Toimenpiteiden määrät tiloittain: {themes}.",
        "en": "{title}. Measures per status: {themes}.",
    },
    "summary.changes_first": {
        "fi": "Muutokset ohjelman tuonnin jälkeen",
        "en": "Changes since the programme was imported",
    },
    "summary.changes": {
        "fi": "Muutokset edellisestä katsauksesta",
        "en": "Changes since the last summary",
    },
    "summary.no_changes": {"fi": "Ei tilamuutoksia.", "en": "No status changes."},
    "summary.changes_count": {
        "fi": "{count} toimenpiteen tila muuttui: {done} valmistui, {delayed} viivästyi.",
        "en": "{count} measures changed status: {done} newly done, {delayed} newly delayed.",
    },
    "summary.change": {
        "fi": "{id} {title}: {before} → {after}",
        "en": "{id} {title}: {before} → {after}",
    },
    "summary.attention": {"fi": "Huomioitavaa", "en": "Needs attention"},
    "summary.troubled": {
        "fi": "Viivästyneet ja riskissä ({count})",
        "en": "Delayed and at risk ({count})",
    },
    "summary.overdue": {"fi": "Myöhässä ({count})", "en": "Overdue ({count})"},
    "summary.overdue_line": {
        "fi": "{name} — määräaika {due} ({owner})",
        "en": "{name} — due {due} ({owner})",
    },
    "summary.behind": {
        "fi": "Jäljessä aikataulusta ({count})",
        "en": "Behind schedule ({count})",
    },
    "summary.behind_line": {
        "fi": "{name} — edistyminen {progress}, vaikka aikaa on kulunut selvästi enemmän ({owner})",
        "en": "{name} — progress {progress}, well behind the time elapsed ({owner})",
    },
    "summary.stale": {
        "fi": "Ei päivitetty edellisen katsauksen jälkeen ({count})",
        "en": "Not updated since the last summary ({count})",
    },
    "summary.stale_first": {
        "fi": "Ei vielä yhtään tilannepäivitystä ({count})",
        "en": "No status update yet ({count})",
    },
    "summary.nothing_to_note": {
        "fi": "Ei huomioitavaa: kaikki etenee.",
        "en": "Nothing needs attention.",
    },
    "summary.thread_hint": {
        "fi": "Teemakohtainen erittely on tämän viestin ketjussa.",
        "en": "The details by theme are in this message's thread.",
    },
    "summary.maturity": {
        "fi": "Digitaalinen kypsyys (1–5): lähtötaso {baseline} → nyt {current} → tavoite {target}",
        "en": "Digital maturity (1–5): baseline {baseline} → now {current} → target {target}",
    },
    # the summary's main message (one phone screen) and its grouped lists
    "summary.overview_short": {
        "fi": "Tilanne {date}: {count} toimenpidettä, valmiina {done}, edistyminen keskimäärin "
        "{average}.",
        "en": "State on {date}: {count} measures, {done} done, average progress {average}.",
    },
    "summary.changed_line": {"fi": "{heading}: {changes}.", "en": "{heading}: {changes}."},
    "summary.changed_done": {"fi": "{count} valmistui", "en": "{count} newly done"},
    "summary.changed_delayed": {"fi": "{count} viivästyi", "en": "{count} newly delayed"},
    "summary.changed_other": {"fi": "{count} muuta muutosta", "en": "{count} other changes"},
    "summary.changed_other_one": {"fi": "{count} muu muutos", "en": "{count} other change"},
    "summary.attention_count": {"fi": "Huomioitavaa ({count})", "en": "Needs attention ({count})"},
    "summary.more": {"fi": "…ja {count} muuta.", "en": "… and {count} more."},
    "summary.reason.overdue": {"fi": "määräaika {due} ohitettu", "en": "past its due date {due}"},
    "summary.reason.behind": {
        "fi": "edistyminen vain {progress}",
        "en": "progress only {progress}",
    },
    "summary.theme_changes": {"fi": "Tilamuutokset ({count})", "en": "Status changes ({count})"},
    "summary.col.theme": {"fi": "Teema", "en": "Theme"},
    "summary.col.change": {"fi": "Muutos", "en": "Change"},
    "summary.grouped": {
        "fi": "Kukin toimenpide on lueteltu oman teemansa osiossa.",
        "en": "Each measure is listed in its theme's section.",
    },
    "summary.posted": {
        "fi": "Katsaus {period} julkaistu kanavalle {channel}: {count} viestiä ja kaavio ketjussa.",
        "en": "The summary {period} is posted to {channel}: {count} messages and the chart in "
        "the thread.",
    },
    "summary.already": {
        "fi": "Katsaus {period} on jo julkaistu kanavalle {channel} ({time}). Mitään ei "
        "julkaistu uudelleen. Tarkoituksellinen uudelleenjulkaisu: digibot summary post --force",
        "en": "The summary {period} was already posted to {channel} ({time}). Nothing was "
        "posted again. To repost on purpose: digibot summary post --force",
    },
    "summary.busy": {
        "fi": "Katsausta {period} julkaistaan parhaillaan (aloitettu {time}); se julkaistaan "
        "kerran.",
        "en": "The summary {period} is being posted right now (since {time}); it is posted once.",
    },
    "summary.failed": {
        "fi": "Katsauksen {period} julkaisu keskeytyi ({reason}). Seuraava yritys jatkaa "
        "siitä, mihin jäätiin: mitään ei julkaista kahdesti.",
        "en": "Posting the summary {period} stopped ({reason}). The next try resumes where "
        "it stopped: nothing is posted twice.",
    },
    "summary.channel_unseen": {
        "fi": "botti ei ole vielä nähnyt Teams-kanavaa {channel}: lisää sovellus kanavan "
        "tiimiin ja mainitse botti kanavalla kerran, esim. @digibot ohje",
        "en": "the bot has not seen the Teams channel {channel} yet: add the app to the "
        "channel's team and mention the bot in the channel once, e.g. @digibot help",
    },
    "summary.chart_omitted": {
        "fi": "Kaavio jäi pois: se ei mahdu Teams-webhookin viestiin. Tulostettava katsaus "
        "kaavioineen: digibot summary preview --format html",
        "en": "The chart is left out: it does not fit in a Teams webhook message. The "
        "print-ready summary with the chart: digibot summary preview --format html",
    },
    "summary.extra_name": {"fi": "{day} (ylimääräinen)", "en": "{day} (extra)"},
    "summary.extra_hint": {
        "fi": "Tämä on ylimääräinen katsaus: seuraava aikataulun mukainen katsaus julkaistaan "
        "silti {date}.",
        "en": "This is an extra summary: the next scheduled summary is still posted on {date}.",
    },
    "summary.repost": {
        "fi": "Kirjattu tarkoitukselliseksi uudelleenjulkaisuksi (n:o {count}).",
        "en": "Recorded as a deliberate repost (no. {count}).",
    },
    "summary.refused": {
        "fi": "Katsauksen esikatselu ja julkaisu on digikoordinaattoreille.",
        "en": "Previewing and posting the summary is for coordinators.",
    },
    "summary.no_channel": {
        "fi": "Johtoryhmän kanavaa ei ole asetettu: aseta DIGIBOT_LEADERSHIP_CHANNEL "
        "(ja Slackin tunnukset).",
        "en": "No leadership channel is set: set DIGIBOT_LEADERSHIP_CHANNEL (and the Slack "
        "credentials).",
    },
    "summary.usage": {
        "fi": "Anna esikatselu tai julkaise.",
        "en": "Say preview or post.",
    },
    "summary.example": {
        "fi": "Esimerkki: {p}yhteenveto esikatselu tai {p}yhteenveto julkaise",
        "en": "Example: {p}summary preview or {p}summary post",
    },
    # --- the summary: the programme revised, and past summaries (issue 11) ---
    "summary.revised": {
        "fi": "Ohjelmaa tarkistettu ({labels})",
        "en": "Programme revised ({labels})",
    },
    "summary.revised_mention": {
        "fi": "Ohjelmaa tarkistettu ({labels}): lisätty {added}, poistettu {retired}, "
        "määräaika siirtynyt {moved}, vastuuhenkilö vaihtunut {owners}.",
        "en": "Programme revised ({labels}): {added} added, {retired} retired, {moved} due "
        "dates moved, {owners} owners changed.",
    },
    "summary.revised_added": {"fi": "Lisätyt ({count})", "en": "Added ({count})"},
    "summary.revised_retired": {
        "fi": "Poistetut ohjelmasta ({count})",
        "en": "Retired ({count})",
    },
    "summary.revised_moved": {
        "fi": "Määräaika siirtynyt ({count})",
        "en": "Due date moved ({count})",
    },
    "summary.revised_owners": {
        "fi": "Vastuuhenkilö vaihtunut ({count})",
        "en": "Owner changed ({count})",
    },
    "summary.revised_none": {
        "fi": "Tarkistus ei lisännyt eikä poistanut toimenpiteitä, siirtänyt määräaikoja eikä "
        "vaihtanut vastuuhenkilöitä.",
        "en": "The revision added and retired no measure, moved no due date and changed no owner.",
    },
    "summary.as_of_bad": {
        "fi": "--as-of on päivä muodossa VVVV-KK-PP tai P.K.VVVV, esim. 2026-05-20 (annettu: "
        "{value}).",
        "en": "--as-of takes a day as YYYY-MM-DD or D.M.YYYY, e.g. 2026-05-20 (given: {value}).",
    },
    "summary.show_period": {
        "fi": "Anna katsaus, esim. digibot summary show 2026-H1. Julkaistut: {periods}",
        "en": "Name the summary, e.g. digibot summary show 2026-H1. Posted: {periods}",
    },
    "summary.show_unknown": {
        "fi": "Katsausta {period} ei ole julkaistu. Julkaistut: {periods}",
        "en": "No summary {period} has been posted. Posted: {periods}",
    },
    "summary.show_none": {"fi": "ei yhtään", "en": "none"},
    "summary.cli_usage": {
        "fi": "Käyttö: digibot summary preview [--as-of VVVV-KK-PP] | post [--force] | "
        "show KATSAUS (esim. 2026-H1)",
        "en": "Usage: digibot summary preview [--as-of YYYY-MM-DD] | post [--force] | "
        "show SUMMARY (e.g. 2026-H1)",
    },
    "summary.posting": {
        "fi": "Julkaisen katsausta johtoryhmän kanavalle…",
        "en": "Posting the summary to the leadership channel…",
    },
    "summary.post_elsewhere": {
        "fi": "Konsolista katsausta ei julkaista. Julkaise chatissa ({p}yhteenveto julkaise) "
        "tai komennolla digibot summary post.",
        "en": "The console does not post summaries. Post in chat ({p}summary post) or with "
        "digibot summary post.",
    },
    "help.summary": {
        "fi": "{p}yhteenveto esikatselu | julkaise — johtoryhmän katsaus: esikatselu vain "
        "sinulle, julkaisu kerran kaudessa (digikoordinaattorille)",
        "en": "{p}summary preview | post — the leadership summary: a private preview, or "
        "post it (once a period; for coordinators)",
    },
    "reminder.title": {"fi": "Muistutus: tilannepäivitys", "en": "Reminder: status update"},
    "reminder.intro": {
        "fi": "Digiohjelman tilannekatsaus julkaistaan johtoryhmälle {date}. Näitä "
        "toimenpiteitä ({count}) ei ole päivitetty edellisen katsauksen jälkeen — päivitys "
        "vie kymmenen sekuntia:",
        "en": "The programme's progress report goes to leadership on {date}. These measures "
        "({count}) have no update since the last report — an update takes ten seconds:",
    },
    "reminder.hint": {
        "fi": "Tai kirjoita: {p}tila {id} aikataulussa 40 % Pilotti käynnissä",
        "en": "Or type: {p}status {id} on-track 40% Pilot running",
    },
    "reminder.outcome": {
        "fi": "Muistutus lähetetty {sent} henkilölle; {already} oli jo muistutettu tänään; "
        "{unreachable} ei tavoitettu.",
        "en": "Reminders sent to {sent} people; {already} were already reminded today; "
        "{unreachable} could not be reached.",
    },
    "reminder.unreachable": {
        "fi": "Ei tavoitettu: {people}",
        "en": "Could not reach: {people}",
    },
    # --- Teams ---
    "teams.form_intro": {
        "fi": "Päivitä toimenpiteidesi tilanne lomakkeella:",
        "en": "Update your measures with the form:",
    },
    "teams.app.name": {"fi": "Digiohjelman tilannebotti", "en": "Digital programme status bot"},
    "teams.app.short": {
        "fi": "Digiohjelman toimenpiteiden tilannepäivitykset ja katsaukset",
        "en": "Status updates and reports of the city's digital programme",
    },
    "teams.app.full": {
        "fi": "Toimenpiteiden vastuuhenkilöt kirjaavat tilanteen komennolla tai lomakkeella; "
        "digikoordinaattori näkee minkä tahansa toimenpiteen tilan ja päivittämättömät; "
        "johtoryhmä saa katsauksen kahdesti vuodessa budjettiprosessin yhteydessä.",
        "en": "Measure owners report their measures' status with a command or a form; the "
        "coordinator sees any measure's state and the stale ones; leadership gets the "
        "programme's report twice a year with the budget process.",
    },
    "teams.command.status": {"fi": "tila", "en": "status"},
    "teams.command.status.help": {
        "fi": "tila 1.1 aikataulussa 40 % huomio — kirjaa tilannepäivityksen",
        "en": "status 1.1 on-track 40% note — records a status update",
    },
    "teams.command.show": {"fi": "näytä", "en": "show"},
    "teams.command.show.help": {
        "fi": "näytä 1.1 — toimenpiteen tilanne",
        "en": "show 1.1 — a measure's state",
    },
    "teams.command.list": {"fi": "lista", "en": "list"},
    "teams.command.list.help": {
        "fi": "lista [omat | teema | tila] — toimenpiteet",
        "en": "list [mine | theme | status] — measures",
    },
    "teams.command.history": {"fi": "historia", "en": "history"},
    "teams.command.history.help": {
        "fi": "historia 1.1 — päivitykset uusimmasta alkaen",
        "en": "history 1.1 — updates, newest first",
    },
    "teams.command.undo": {"fi": "peru", "en": "undo"},
    "teams.command.undo.help": {
        "fi": "peru — peruu viimeisimmän päivityksesi (24 h)",
        "en": "undo — withdraws your latest update (24 h)",
    },
    "teams.command.update": {"fi": "päivitä", "en": "update"},
    "teams.command.update.help": {
        "fi": "päivitä — avaa lomakkeen omista toimenpiteistäsi",
        "en": "update — opens the form with your measures",
    },
    "teams.command.help": {"fi": "ohje", "en": "help"},
    "teams.command.help.help": {
        "fi": "ohje — komennot esimerkein",
        "en": "help — the commands, with examples",
    },
    "cli.teams_package": {
        "fi": "Teams-sovelluspaketti kirjoitettu: {path}. Lataa se Teamsin hallintakeskukseen "
        "(Teams-sovellukset → Hallitse sovelluksia → Lataa uusi sovellus).",
        "en": "Teams app package written: {path}. Upload it in the Teams admin center "
        "(Teams apps → Manage apps → Upload new app).",
    },
    "cli.teams_bot_id": {
        "fi": "Anna botin sovellustunnus (--bot-id) tai aseta "
        "CONNECTIONS__SERVICE_CONNECTION__SETTINGS__CLIENTID.",
        "en": "Give the bot's app id (--bot-id) or set "
        "CONNECTIONS__SERVICE_CONNECTION__SETTINGS__CLIENTID.",
    },
    "cli.teams_bad_bot_id": {
        "fi": "Botin sovellustunnus on GUID, esim. 00000000-0000-0000-0000-000000000000; "
        "”{bot_id}” ei ole. Katso se Entra ID:n sovelluksen rekisteröinnistä (--bot-id).",
        "en": "The bot's app id is a GUID, e.g. 00000000-0000-0000-0000-000000000000; "
        "“{bot_id}” is not. Find it in the Entra ID app registration (--bot-id).",
    },
    # --- the about and privacy pages (bot/pages.py) ---
    "page.nav": {"fi": "Sivut", "en": "Pages"},
    "page.other_language": {"fi": "In English", "en": "Suomeksi"},
    "page.about.link": {"fi": "Tietoa botista", "en": "About the bot"},
    "page.privacy.link": {"fi": "Tietosuojaseloste", "en": "Privacy notice"},
    "page.about.title": {
        "fi": "Digibot — digiohjelman seurantabotti",
        "en": "Digibot — the digital programme's follow-up bot",
    },
    "page.about.what": {
        "fi": "Digibot on chat-botti, jolla kaupunki seuraa digiohjelmansa toimenpiteitä. "
        "Toimenpiteiden vastuuhenkilöt kirjaavat tilanteen Teamsissa tai Slackissa, ja botti "
        "koostaa kirjauksista katsauksen, joka raportoidaan kaupunginhallitukselle kahdesti "
        "vuodessa.",
        "en": "Digibot is a chat bot with which the city follows up the measures of its "
        "digital programme. The measures' owners record their status in Teams or Slack, and "
        "the bot writes the summary that is reported to the city board twice a year.",
    },
    "page.about.how": {
        "fi": "Kirjoita botille ohje (Slackissa /digi ohje), niin näet komennot esimerkein.",
        "en": "Write help to the bot (in Slack /digi help) to see the commands with examples.",
    },
    "page.about.source": {
        "fi": "Digibot on avointa lähdekoodia (MIT-lisenssi), ja kaupunki ajaa sitä omalla "
        "palvelimellaan.",
        "en": "Digibot is open source (MIT licence), and the city runs it on its own server.",
    },
    "page.terms.title": {"fi": "Käyttöehdot", "en": "Terms of use"},
    "page.terms.use": {
        "fi": "Botti on kaupungin työväline digiohjelman toimenpiteiden seurantaan. Kirjaa "
        "siihen vain toimenpiteiden tilannetietoa; älä kirjoita huomioihin henkilötietoja tai "
        "salassa pidettävää tietoa.",
        "en": "The bot is the city's tool for following up the digital programme's measures. "
        "Record only the status of measures in it; do not write personal data or confidential "
        "information in the notes.",
    },
    "page.terms.visible": {
        "fi": "Kirjaukset näkyvät ohjelman digikoordinaattoreille ja johtoryhmälle, ja niistä "
        "kootaan kaupunginhallitukselle raportoitava katsaus. Kirjauksia ei muuteta "
        "jälkikäteen: perutusta päivityksestä jää merkintä tarkastuslokiin.",
        "en": "What you record is seen by the programme's coordinators and leadership, and the "
        "summary reported to the city board is written from it. Nothing recorded is changed "
        "afterwards: a withdrawn update stays in the audit trail, marked withdrawn.",
    },
    "page.privacy.title": {"fi": "Tietosuojaseloste", "en": "Privacy notice"},
    "page.privacy.intro": {
        "fi": "Tämä seloste kertoo, mitä tietoja digiohjelman seurantabotti (Digibot) "
        "tallentaa, miksi ja kuinka kauan, ja keneltä voit kysyä niistä. Rekisterinpitäjä on "
        "kaupunki, joka käyttää bottia.",
        "en": "This notice says what the digital programme's follow-up bot (Digibot) stores, "
        "why and for how long, and whom to ask about it. The controller is the city that runs "
        "the bot.",
    },
    "page.privacy.stored": {"fi": "Mitä tietoja tallennetaan", "en": "What is stored"},
    "page.privacy.stored.updates": {
        "fi": "Toimenpiteiden tilannepäivitykset: tila, edistyminen ja huomio sekä päivityksen "
        "tekijä ja aika. Perututkin päivitykset säilyvät, perutuiksi merkittyinä.",
        "en": "The measures' status updates: status, progress and note, with the update's "
        "author and time. Withdrawn updates are kept too, marked withdrawn.",
    },
    "page.privacy.stored.people": {
        "fi": "Toimenpiteiden vastuu- ja varahenkilöiden sekä digikoordinaattoreiden Slack- ja "
        "Teams-käyttäjätunnukset ja sähköpostiosoitteet.",
        "en": "The Slack and Teams user ids and e-mail addresses of the measures' owners and "
        "deputies and of the coordinators.",
    },
    "page.privacy.stored.conversations": {
        "fi": "Teams-keskustelujen viittaukset (keskustelun ja käyttäjän tunnisteet), jotta "
        "botti voi lähettää muistutukset ja katsaukset.",
        "en": "Teams conversation references (conversation and user identifiers), so that the "
        "bot can send reminders and summaries.",
    },
    "page.privacy.stored.reminders": {
        "fi": "Muistutusloki: kenelle muistutus lähetettiin ja milloin, jotta kukaan ei saa "
        "samaa muistutusta kahdesti.",
        "en": "The reminder log: whom a reminder was sent to and when, so that nobody gets the "
        "same reminder twice.",
    },
    "page.privacy.why": {"fi": "Miksi", "en": "Why"},
    "page.privacy.why.text": {
        "fi": "Kaupunginhallitus on päättänyt, että digiohjelman etenemisestä raportoidaan "
        "kaupunginhallitukselle kahdesti vuodessa talousarvioprosessin yhteydessä. Tietoja "
        "käytetään vain ohjelman seurantaan ja tähän raportointiin: vastuuhenkilöt kirjaavat "
        "tilanteen, ja botti muistuttaa heitä ennen katsausta ja koostaa katsauksen.",
        "en": "The city board decided that the progress of the digital programme is reported "
        "to the city board twice a year, in connection with the budget process. The data is "
        "used only for the programme's follow-up and this reporting: owners record the status, "
        "and the bot reminds them before each summary and writes the summary.",
    },
    "page.privacy.retention": {
        "fi": "Kuinka kauan tietoja säilytetään",
        "en": "For how long it is kept",
    },
    "page.privacy.retention.text": {
        "fi": "Tiedot säilytetään kaupungin arkistonmuodostus- ja tiedonohjaussuunnitelman "
        "mukaisesti, sillä katsaukset ovat osa kaupunginhallituksen asiakirjoja. Botti ei muuta "
        "eikä poista tilannepäivityksiä; ne poistetaan, kun kaupungin arkistosääntöjen mukainen "
        "säilytysaika päättyy.",
        "en": "The data is kept as the city's records management and archive rules say, "
        "because the summaries are part of the city board's records. The bot never changes or "
        "deletes a status update; the data is removed when the retention period of the city's "
        "archive rules ends.",
    },
    "page.privacy.ask": {"fi": "Keneltä kysyä", "en": "Whom to ask"},
    "page.privacy.rights": {
        "fi": "Sinulla on oikeus tietää, mitä tietoja sinusta on tallennettu, ja pyytää "
        "virheellisten tietojen korjaamista.",
        "en": "You have the right to know what data about you is stored, and to ask for wrong "
        "data to be corrected.",
    },
    "page.contact.intro": {
        "fi": "Kysymykset ja pyynnöt tiedoistasi:",
        "en": "Questions and requests about your data:",
    },
    "page.contact.unset": {
        "fi": "Yhteyshenkilöä ei ole vielä asetettu (botin ylläpitäjä asettaa sen asetuksella "
        "DIGIBOT_PRIVACY_CONTACT). Kysy siihen asti kaupungin tietosuojavastaavalta.",
        "en": "A contact has not been set yet (the bot's operator sets it with "
        "DIGIBOT_PRIVACY_CONTACT). Until then, ask the city's data protection officer.",
    },
    "cli.teams_bad_host": {
        "fi": "--host on palvelimen nimi, jossa digibot serve vastaa, ilman https://-alkua ja "
        "polkua, esim. bot.tornio.fi tai bot.tornio.fi:8443; ”{host}” ei ole.",
        "en": "--host is the server name where digibot serve answers, without https:// "
        "or a path, e.g. bot.tornio.fi or bot.tornio.fi:8443; “{host}” is not.",
    },
    # --- Slack ---
    "slack.view_more": {
        "fi": "Kaikki eivät mahdu tähän näkymään. Koko lista: /digi lista omat",
        "en": "Not everything fits in this view. The whole list: /digi list mine",
    },
    "slack.answer_in_dm": {
        "fi": "Vastaus jatkuu yksityisviesteissäsi botin kanssa ({count} viestiä): Slack ottaa "
        "tähän vain viisi.",
        "en": "The answer continues in your direct messages with the bot ({count} messages): "
        "Slack takes only five here.",
    },
    "slack.answer_cut": {
        "fi": "Vastaus katkeaa tähän ({shown}/{total} viestiä): Slack ottaa tähän vain viisi, "
        "eikä loppua voitu lähettää yksityisviestinä. Koko katsauksen esikatselu palvelimella: "
        "digibot summary preview (tai raporttitiedostona: digibot summary preview --format "
        "html --output katsaus.html).",
        "en": "The answer stops here ({shown} of {total} messages): Slack takes only five here, "
        "and the rest could not go by direct message. The whole summary preview on the "
        "server: digibot summary preview (or as the report file: digibot summary preview "
        "--format html --output summary.html).",
    },
    "slack.working": {
        "fi": "Hetki, haen vastausta…",
        "en": "One moment, working on it…",
    },
    "slack.missing_credentials": {
        "fi": "Slackin tunnukset puuttuvat: aseta SLACK_BOT_TOKEN ja SLACK_SIGNING_SECRET "
        "(tai SLACK_APP_TOKEN Socket Modea varten). Ilman niitä kokeile: digibot demo",
        "en": "Slack credentials are missing: set SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET "
        "(or SLACK_APP_TOKEN for Socket Mode). Without them, try: digibot demo",
    },
    # --- the form of a command ---
    "usage.status": {
        "fi": "Anna toimenpiteen tunnus ja tila.",
        "en": "Give the measure's id and a status.",
    },
    "example.status": {
        "fi": "Esimerkki: {p}tila 1.1 aikataulussa 40 % Pilotti käynnissä",
        "en": "Example: {p}status 1.1 on-track 40% Pilot running",
    },
    "usage.show": {"fi": "Anna toimenpiteen tunnus.", "en": "Give the measure's id."},
    "example.show": {"fi": "Esimerkki: {p}näytä 1.1", "en": "Example: {p}show 1.1"},
    "example.history": {"fi": "Esimerkki: {p}historia 1.1", "en": "Example: {p}history 1.1"},
    "example.undo": {
        "fi": "Esimerkki: {p}peru tai {p}peru 1.1",
        "en": "Example: {p}undo or {p}undo 1.1",
    },
    "usage.extra": {
        "fi": "Komennolle annettiin ylimääräistä tekstiä: ”{text}”.",
        "en": "The command got extra text: “{text}”.",
    },
    # --- lookup and permission ---
    "measure.not_found": {
        "fi": "Toimenpidettä ”{id}” ei löydy. Tarkoititko: {ids}?",
        "en": "Measure “{id}” not found. Did you mean: {ids}?",
    },
    "measure.not_found_none": {
        "fi": "Toimenpidettä ”{id}” ei löydy.",
        "en": "Measure “{id}” not found.",
    },
    "measure.list_hint": {
        "fi": "Kaikki toimenpiteet: {p}lista",
        "en": "All measures: {p}list",
    },
    "permission.refused": {
        "fi": "Toimenpiteen {id} tilaa voivat päivittää sen vastuuhenkilö {owner}, "
        "varahenkilöt ja digikoordinaattorit.",
        "en": "Measure {id} can be updated by its owner {owner}, its deputies and the "
        "coordinators.",
    },
    "permission.coordinator_hint": {
        "fi": "Jos vastuu on siirtynyt sinulle, pyydä digikoordinaattoria päivittämään "
        "ohjelmatiedosto.",
        "en": "If the measure is now yours, ask a coordinator to update the programme file.",
    },
    # --- values ---
    "status.unknown": {
        "fi": "Tuntematon tila ”{word}”. Sallitut tilat: {words}.",
        "en": "Unknown status “{word}”. Valid statuses: {words}.",
    },
    "progress.range": {
        "fi": "Edistymisen pitää olla kokonaisluku 0–100 % (annoit {value}).",
        "en": "Progress must be a whole number from 0 to 100% (you gave {value}).",
    },
    "progress.example": {
        "fi": "Esimerkki: {p}tila {id} aikataulussa 40 %",
        "en": "Example: {p}status {id} on-track 40%",
    },
    "reason.required": {
        "fi": "Tila ”{status}” vaatii syyn: johtoryhmä tarvitsee tiedon siitä, miksi.",
        "en": "Status “{status}” needs a reason: leadership needs to know why.",
    },
    "reason.example": {
        "fi": "Esimerkki: {p}tila {id} {word} Toimittajan aikataulu venyy kuukaudella",
        "en": "Example: {p}status {id} {word} The supplier's schedule slipped by a month",
    },
    "note.too_long": {
        "fi": "Huomio on {length} merkkiä pitkä; enintään {limit} merkkiä.",
        "en": "The note is {length} characters long; the limit is {limit} characters.",
    },
    "note.too_long_hint": {
        "fi": "Lyhennä huomio ja lähetä uudelleen. Mitään ei tallennettu.",
        "en": "Shorten the note and send it again. Nothing was saved.",
    },
    "text.control": {
        "fi": "Tekstissä on ohjausmerkki ({char}), jota ei voi tallentaa. Poista se ja lähetä "
        "uudelleen. Mitään ei tallennettu.",
        "en": "The text has a control character ({char}) that cannot be stored. Remove it and "
        "send again. Nothing was saved.",
    },
    # --- faults ---
    "db.unavailable": {
        "fi": "Tietokanta ei ole juuri nyt käytettävissä: mitään ei tallennettu. "
        "Yritä hetken päästä uudelleen.",
        "en": "The database is not available right now: nothing was saved. "
        "Please try again in a moment.",
    },
    "internal.error": {
        "fi": "Jokin meni pieleen eikä mitään tallennettu. Yritä uudelleen; jos vika "
        "toistuu, kerro digikoordinaattorille.",
        "en": "Something went wrong and nothing was saved. Try again; if it keeps "
        "happening, tell the coordinator.",
    },
    # --- status recorded ---
    "status.recorded": {
        "fi": "Tallennettu. Toimenpiteen {id} tilanne nyt:",
        "en": "Saved. Measure {id} now stands at:",
    },
    "status.already_recorded": {
        "fi": "Tämä päivitys oli jo tallennettu. Toimenpiteen {id} tilanne:",
        "en": "This update was already saved. Measure {id} stands at:",
    },
    "status.undo_hint": {
        "fi": "Väärin meni? {p}peru {id} peruu päivityksen 24 tunnin sisällä.",
        "en": "A mistake? {p}undo {id} withdraws it within 24 hours.",
    },
    # --- show ---
    "field.theme": {"fi": "Teema", "en": "Theme"},
    "field.owner": {"fi": "Vastuuhenkilö", "en": "Owner"},
    "field.deputies": {"fi": "Varahenkilöt", "en": "Deputies"},
    "field.unit": {"fi": "Vastuuyksikkö", "en": "Unit"},
    "field.status": {"fi": "Tila", "en": "Status"},
    "field.progress": {"fi": "Edistyminen", "en": "Progress"},
    "field.updated": {"fi": "Viimeisin päivitys", "en": "Last update"},
    "field.note": {"fi": "Huomio", "en": "Note"},
    "field.schedule": {"fi": "Aikataulu", "en": "Schedule"},
    "field.indicator": {"fi": "Mittari", "en": "Indicator"},
    "field.budget": {"fi": "Budjetti", "en": "Budget"},
    "show.updated_by": {"fi": "{time}, {author}", "en": "{time}, by {author}"},
    "show.no_updates": {"fi": "ei päivityksiä vielä", "en": "no updates yet"},
    "show.due_moved": {
        "fi": "{schedule}, alun perin {original}",
        "en": "{schedule}, originally {original}",
    },
    "show.indicator": {
        "fi": "{indicator}: lähtötaso {baseline} → tavoite {target}",
        "en": "{indicator}: baseline {baseline} → target {target}",
    },
    "flag.overdue": {
        "fi": "⚠️ Myöhässä: määräaika {due} on ohitettu eikä toimenpide ole valmis.",
        "en": "⚠️ Overdue: the due date {due} has passed and the measure is not done.",
    },
    "flag.never_updated": {
        "fi": "⚠️ Päivittämättä: toimenpiteestä ei ole vielä yhtään tilannepäivitystä.",
        "en": "⚠️ Stale: this measure has no status update yet.",
    },
    # --- history ---
    "history.title": {
        "fi": "{id} {title} — päivitykset ja suunnitelman muutokset uusimmasta alkaen",
        "en": "{id} {title} — updates and plan changes, newest first",
    },
    "history.empty": {
        "fi": "Toimenpiteestä {id} ei ole vielä päivityksiä.",
        "en": "Measure {id} has no updates yet.",
    },
    "history.withdrawn": {"fi": "(peruttu)", "en": "(withdrawn)"},
    "history.more": {
        "fi": "… ja {count} vanhempaa. Koko historia: digibot export --history",
        "en": "… and {count} older. The full history: digibot export --history",
    },
    "history.plan": {
        "fi": "📋 Ohjelman muutos {revision} ({date}): {changes}",
        "en": "📋 Programme revision {revision} ({date}): {changes}",
    },
    "history.added": {
        "fi": "🆕 Lisätty ohjelmaan: muutos {revision} ({date})",
        "en": "🆕 Added to the programme by revision {revision} ({date})",
    },
    "history.retired": {
        "fi": "🗄️ Poistui ohjelmasta: muutos {revision} ({date})",
        "en": "🗄️ Retired by revision {revision} ({date})",
    },
    "history.closed": {
        "fi": "🗄️ Päättyi kauden {period} mukana ({date})",
        "en": "🗄️ Closed with period {period} ({date})",
    },
    "history.reinstated": {
        "fi": "↩️ Palasi ohjelmaan: muutos {revision} ({date})",
        "en": "↩️ Reinstated by revision {revision} ({date})",
    },
    "plan.change": {"fi": "{field} {old} → {new}", "en": "{field} {old} → {new}"},
    "plan.changed": {"fi": "{field} muuttui", "en": "{field} changed"},
    # --- retired measures ---
    "retired.by_revision": {
        "fi": "Poistui ohjelmasta {date} muutoksessa {revision}.",
        "en": "Retired from the programme on {date} by revision {revision}.",
    },
    "retired.with_period": {
        "fi": "Päättyi kauden {period} mukana {date}.",
        "en": "Closed with period {period} on {date}.",
    },
    "retired.at": {
        "fi": "Poistui ohjelmasta {date}.",
        "en": "Retired from the programme on {date}.",
    },
    "flag.retired": {
        "fi": "🗄️ Ei enää ohjelmassa. {retired} Historia säilyy.",
        "en": "🗄️ No longer in the programme. {retired} Its history is kept.",
    },
    "retired.refused": {
        "fi": "Toimenpide {id} ei ole enää ohjelmassa, joten sen tilaa ei päivitetä. {retired} "
        "Mitään ei tallennettu.",
        "en": "Measure {id} is no longer in the programme, so its status is not updated. "
        "{retired} Nothing was saved.",
    },
    # --- as of a day, and periods ---
    "option.unknown": {
        "fi": "Tuntematon valitsin ”{word}”. Tässä käyvät: {options}.",
        "en": "Unknown option “{word}”. This command takes: {options}.",
    },
    "option.needs_value": {
        "fi": "Valitsimelle {word} puuttuu arvo (tai se annettiin kahdesti).",
        "en": "The option {word} needs one value (it is missing or given twice).",
    },
    "asof.bad_date": {
        "fi": "En tunnista päivää ”{text}”. Anna se muodossa 2026-05-20 tai 20.5.2026.",
        "en": "I don't recognise the day “{text}”. Give it as 2026-05-20 or 20.5.2026.",
    },
    "asof.future": {
        "fi": "{date} on tulevaisuudessa (tänään on {today}): tilanteen voi näyttää vain "
        "menneeltä päivältä tai tältä päivältä.",
        "en": "{date} is in the future (today is {today}): the state can only be shown as of "
        "today or a past day.",
    },
    "asof.before": {
        "fi": "Ohjelmaa ei ollut vielä tuotu {date}: se tuotiin ensimmäisen kerran {first}.",
        "en": "The programme had not been imported yet on {date}: it was first imported on "
        "{first}.",
    },
    "asof.none": {
        "fi": "Ohjelmaa ei ole vielä tuotu: minkään päivän tilannetta ei ole.",
        "en": "No programme has been imported yet: there is no state of any day.",
    },
    "asof.intro": {
        "fi": "Tilanne päivän päättyessä {date}:",
        "en": "As it stood at the end of {date}:",
    },
    "asof.not_yet": {
        "fi": "Toimenpide {id} ei ollut vielä ohjelmassa {date}.",
        "en": "Measure {id} was not yet in the programme on {date}.",
    },
    "list.as_of_period": {
        "fi": "Kauden {period} päättyessä ({date}):",
        "en": "As period {period} closed ({date}):",
    },
    "list.unknown_period": {
        "fi": "Kautta ”{period}” ei ole. Kaudet: {periods}.",
        "en": "There is no period “{period}”. The periods: {periods}.",
    },
    "list.period_and_as_of": {
        "fi": "Anna joko --kausi tai --ajankohta, ei molempia.",
        "en": "Give either --period or --as-of, not both.",
    },
    # --- list ---
    "list.title.all": {"fi": "Toimenpiteet ({count})", "en": "Measures ({count})"},
    "list.title.mine": {"fi": "Omat toimenpiteesi ({count})", "en": "Your measures ({count})"},
    "list.title.theme": {"fi": "{theme} ({count})", "en": "{theme} ({count})"},
    "list.title.status": {"fi": "Tila: {status} ({count})", "en": "Status: {status} ({count})"},
    "list.empty": {"fi": "Ei toimenpiteitä.", "en": "No measures."},
    "list.empty_mine": {
        "fi": "Sinulle ei ole merkitty toimenpiteitä vastuu- tai varahenkilöksi.",
        "en": "You are not the owner or a deputy of any measure.",
    },
    "list.empty_programme": {
        "fi": "Ohjelmaa ei ole vielä tuotu. Digikoordinaattori tuo sen: digibot import "
        "ohjelma.yaml",
        "en": "No programme has been imported yet. A coordinator imports it: digibot import "
        "programme.yaml",
    },
    "list.unknown_filter": {
        "fi": "En tunnista rajausta ”{word}”. Käy: omat, teeman tunnus ({themes}) tai tila "
        "({words}).",
        "en": "I don't recognise the filter “{word}”. Use: mine, a theme id ({themes}) or a "
        "status ({words}).",
    },
    # --- undo ---
    "undo.done": {
        "fi": "Peruttu: päivityksesi {time} toimenpiteeseen {id} ({status}). Se jää "
        "historiaan perutuksi.",
        "en": "Withdrawn: your update of {time} to measure {id} ({status}). It stays in the "
        "history, marked withdrawn.",
    },
    "undo.nothing": {
        "fi": "Sinulla ei ole peruttavaa päivitystä viimeisen 24 tunnin ajalta.",
        "en": "You have no update from the last 24 hours to withdraw.",
    },
    "undo.nothing_measure": {
        "fi": "Sinulla ei ole toimenpiteeseen {id} peruttavaa päivitystä viimeisen 24 tunnin "
        "ajalta.",
        "en": "You have no update to measure {id} from the last 24 hours to withdraw.",
    },
    "undo.repeat": {
        "fi": "Tämä peruutus on jo tehty; mitään muuta ei peruttu.",
        "en": "This undo was already done; nothing else was withdrawn.",
    },
    "undo.now": {"fi": "Tilanne nyt:", "en": "It now stands at:"},
    # --- statuses shown ---
    "status.not_started": {"fi": "Ei aloitettu", "en": "Not started"},
    "status.on_track": {"fi": "Etenee suunnitellusti", "en": "On track"},
    "status.at_risk": {"fi": "Riski viivästyä", "en": "At risk"},
    "status.delayed": {"fi": "Viivästynyt", "en": "Delayed"},
    "status.done": {"fi": "Valmis", "en": "Done"},
    "status.postponed": {"fi": "Siirretty", "en": "Postponed"},
    # --- the command line (coordinator's tools) ---
    "cli.import_ok": {
        "fi": "Tuotu {path}: {themes} teemaa, {created} uutta ja {updated} päivitettyä "
        "toimenpidettä ({unchanged} ennallaan). Tilannepäivityksiin ei koskettu.",
        "en": "Imported {path}: {themes} themes, {created} new and {updated} changed measures "
        "({unchanged} unchanged). Status updates were not touched.",
    },
    "cli.import_failed": {
        "fi": "Tuonti epäonnistui, mitään ei muutettu. {count} virhettä tiedostossa {path}:",
        "en": "Import failed, nothing was changed. {count} problems in {path}:",
    },
    "cli.import_error_line": {
        "fi": "rivi {line}, {field}: {message}",
        "en": "line {line}, {field}: {message}",
    },
    "cli.file_unreadable": {
        "fi": "Tiedostoa {path} ei voi lukea: {reason}",
        "en": "Cannot read {path}: {reason}",
    },
    "cli.restore_ok": {
        "fi": "Palautettu {path}: {measures} toimenpidettä ja {updates} tilannepäivitystä.",
        "en": "Restored {path}: {measures} measures and {updates} status updates.",
    },
    "cli.restore_not_empty": {
        "fi": "Palautus tehdään vain tyhjään tietokantaan, ja tässä on jo {measures} "
        "toimenpidettä. Mitään ei muutettu. Anna tyhjä tietokanta: DATABASE_URL=…",
        "en": "A restore goes only into an empty database, and this one holds {measures} "
        "measures. Nothing was changed. Point DATABASE_URL at an empty database.",
    },
    "cli.restore_invalid": {
        "fi": "{path} ei ole palautettava digibotin JSON-vienti historian kanssa. Mitään ei "
        "muutettu. {count} virhettä:",
        "en": "{path} is not a digibot JSON export with history that can be restored. Nothing "
        "was changed. {count} problems:",
    },
    "cli.restore_problem": {"fi": "kohta {place}: {message}", "en": "at {place}: {message}"},
    "cli.restore_how": {
        "fi": "Varmuuskopio tehdään: digibot export --format json --history",
        "en": "Make a backup with: digibot export --format json --history",
    },
    "cli.coordinator_added": {
        "fi": "{ref} on nyt digikoordinaattori.",
        "en": "{ref} is now a coordinator.",
    },
    "cli.coordinator_exists": {
        "fi": "{ref} on jo digikoordinaattori.",
        "en": "{ref} is already a coordinator.",
    },
    "cli.coordinator_removed": {
        "fi": "{ref} ei ole enää digikoordinaattori.",
        "en": "{ref} is no longer a coordinator.",
    },
    "cli.coordinator_missing": {
        "fi": "{ref} ei ole tietokantaan lisätty digikoordinaattori.",
        "en": "{ref} is not a coordinator added in the database.",
    },
    "cli.coordinator_from_env": {
        "fi": "{ref} (asetuksesta DIGIBOT_COORDINATORS)",
        "en": "{ref} (from DIGIBOT_COORDINATORS)",
    },
    "cli.coordinator_none": {
        "fi": "Digikoordinaattoreita ei ole. Lisää: digibot coordinator add <tunnus tai "
        "sähköposti>",
        "en": "There are no coordinators. Add one: digibot coordinator add <user id or e-mail>",
    },
    "cli.bad_ref": {
        "fi": "”{ref}” ei ole käyttäjätunnus eikä sähköpostiosoite. Esimerkki: "
        "digibot coordinator add U0123ABCD tai etunimi.sukunimi@tornio.fi",
        "en": "“{ref}” is neither a user id nor an e-mail address. Example: "
        "digibot coordinator add U0123ABCD or first.last@tornio.fi",
    },
    "cli.bad_database_url": {
        "fi": "DATABASE_URL ei kelpaa ({reason}). Esimerkki: sqlite:///digibot.db tai "
        "postgresql+psycopg://käyttäjä:salasana@palvelin/digibot",
        "en": "DATABASE_URL is not valid ({reason}). Example: sqlite:///digibot.db or "
        "postgresql+psycopg://user:password@host/digibot",
    },
    "cli.db_refused": {
        "fi": "Tietokanta ei hyväksynyt tietoja, eikä mitään tallennettu: {reason}",
        "en": "The database refused the data, and nothing was saved: {reason}",
    },
    "cli.db_unavailable": {
        "fi": "Tietokantaan {url} ei saada yhteyttä: {reason}",
        "en": "Cannot reach the database {url}: {reason}",
    },
    "console.welcome": {
        "fi": "Digibotin konsoli — käyttäjänä {actor}. Kirjoita ohje, lopeta Ctrl-D:llä.",
        "en": "Digibot console — acting as {actor}. Type help; Ctrl-D quits.",
    },
    "demo.loaded": {
        "fi": "Esimerkkiohjelma (keksitty, ei todellinen) ladattu tietokantaan {path}.",
        "en": "The example programme (synthetic, not real) is loaded into {path}.",
    },
    "demo.try": {
        "fi": "Kokeile: lista · näytä 1.1 · tila 1.1 aikataulussa 40 % Pilotti käynnissä · "
        "historia 1.1 · peru",
        "en": "Try: list · show 1.1 · status 1.1 on-track 40% Pilot running · history 1.1 · undo",
    },
}

# Import errors: what was wrong with a field of the programme file.
MESSAGES.update(
    {
        "import.required": {"fi": "pakollinen kenttä puuttuu", "en": "required field missing"},
        "import.duplicate_id": {
            "fi": "tunnus {id} on jo rivillä {first}",
            "en": "id {id} already appears on line {first}",
        },
        "import.bad_id": {
            "fi": "”{value}” ei kelpaa tunnukseksi: käytä kirjaimia, numeroita ja merkkejä . _ -",
            "en": "“{value}” is not a valid id: use letters, digits and . _ -",
        },
        "import.unknown_theme": {
            "fi": "teemaa ”{value}” ei ole määritelty kohdassa themes",
            "en": "theme “{value}” is not defined under themes",
        },
        "import.bad_person": {
            "fi": "”{value}” ei ole käyttäjätunnus eikä sähköpostiosoite",
            "en": "“{value}” is neither a chat user id nor an e-mail address",
        },
        "import.bad_date": {
            "fi": "”{value}” ei ole päivämäärä; käytä muotoa 2026, 2026-06 tai 2026-06-30",
            "en": "“{value}” is not a date; use 2026, 2026-06 or 2026-06-30",
        },
        "import.due_before_start": {
            "fi": "päättyy ({due}) ennen alkamista ({start})",
            "en": "due ({due}) is before the start ({start})",
        },
        "import.bad_budget": {
            "fi": "”{value}” ei ole euromäärä; käytä kokonaislukua, esim. 20000",
            "en": "“{value}” is not an amount of euros; use a whole number such as 20000",
        },
        "import.bad_level": {
            "fi": "”{value}” ei ole kypsyystaso 1–5 (desimaalit sallittu, esim. 2.8)",
            "en": "“{value}” is not a maturity level from 1 to 5 (decimals allowed, e.g. 2.8)",
        },
        "import.bad_year": {
            "fi": "”{value}” ei ole vuosiluku",
            "en": "“{value}” is not a year",
        },
        "import.not_text": {
            "fi": "odotettiin tekstiä, saatiin {value}",
            "en": "expected text, got {value}",
        },
        "import.too_long": {
            "fi": "liian pitkä ({length} merkkiä, enintään {limit})",
            "en": "too long ({length} characters, at most {limit})",
        },
        "import.not_mapping": {
            "fi": 'odotettiin avain–arvo-paria (esim. id: "1.1")',
            "en": 'expected a mapping of keys to values (e.g. id: "1.1")',
        },
        "import.not_list": {"fi": "odotettiin listaa", "en": "expected a list"},
        "import.unknown_field": {
            "fi": "tuntematon kenttä; sallitut: {fields}",
            "en": "unknown field; known fields: {fields}",
        },
        "import.yaml_syntax": {
            "fi": "YAML-tiedosto on virheellinen: {problem}",
            "en": "the YAML is malformed: {problem}",
        },
        "import.csv_syntax": {
            "fi": "CSV-tiedosto on virheellinen: {problem}",
            "en": "the CSV is malformed: {problem}",
        },
        "import.csv_columns": {
            "fi": "rivillä on {count} saraketta, otsikkorivillä {expected}",
            "en": "the row has {count} columns, the header {expected}",
        },
        "import.empty": {
            "fi": "tiedostossa ei ole yhtään toimenpidettä",
            "en": "the file holds no measures",
        },
        "import.not_utf8": {
            "fi": "tiedosto ei ole UTF-8-muodossa; tallenna se Excelissä muodossa ”CSV UTF-8”",
            "en": "the file is not UTF-8; save it from Excel as “CSV UTF-8”",
        },
        "import.unknown_format": {
            "fi": "tunnistan vain .yaml-, .yml- ja .csv-tiedostot",
            "en": "only .yaml, .yml and .csv files are understood",
        },
        "import.control_character": {
            "fi": "tekstissä on ohjausmerkki ({char}), jota ei voi tallentaa",
            "en": "the text has a control character ({char}) that cannot be stored",
        },
        "import.duplicate_key": {
            "fi": "{name} on jo rivillä {first}",
            "en": "{name} already appears on line {first}",
        },
        "import.too_large": {
            "fi": "tiedosto on yli {limit} Mt; ohjelmatiedosto on paljon pienempi",
            "en": "the file is larger than {limit} MB; a programme file is far smaller",
        },
        "import.yaml_aliases": {
            "fi": "YAML-viittaukset (*nimi) laajenisivat yli {limit} arvoksi; kirjoita arvot auki",
            "en": "the YAML aliases (*name) would expand to more than {limit} values; "
            "write the values out",
        },
        "import.too_deep": {
            "fi": "YAML on sisäkkäin yli {limit} tasoa; ohjelmatiedostossa on neljä",
            "en": "the YAML is nested more than {limit} levels deep; a programme has four",
        },
    }
)

# A revision of the programme: what an import refuses, and its change list (handlers/
# revision_text.py) as the import prints it and the summary and chat may show it.
MESSAGES.update(
    {
        "import.refused": {
            "fi": "Tuontia {path} ei tehty, mitään ei muutettu:",
            "en": "The import of {path} was refused, nothing was changed:",
        },
        "import.mass_retire": {
            "fi": "tiedosto poistaisi käytöstä {count} voimassa olevasta {total} toimenpiteestä, "
            "yli puolet. Katkesiko tiedosto? Jos tämä on tarkoitus, tuo uudelleen valitsimella "
            "--allow-mass-retire.",
            "en": "the file would retire {count} of the {total} measures in force, more than "
            "half. Was the file cut short? If this is meant, import again with "
            "--allow-mass-retire.",
        },
        "import.mass_retire_all": {
            "fi": "tiedosto poistaisi käytöstä kaikki {total} voimassa olevaa toimenpidettä "
            "(se ei nimeä yhtäkään niistä). Jos tämä on tarkoitus, tuo uudelleen valitsimella "
            "--allow-mass-retire; uusi kausi: --new-period.",
            "en": "the file would retire all {total} measures in force (it names none of "
            "them). If this is meant, import again with --allow-mass-retire; a new period: "
            "--new-period.",
        },
        "import.new_period_unnamed": {
            "fi": "--new-period tarvitsee uuden kauden nimen tiedoston kohtaan programme.period "
            "(YAML; CSV-tiedostossa ei ole ohjelman tietoja)",
            "en": "--new-period needs the new period's name in the file's programme.period "
            "(YAML; a CSV file has no programme row)",
        },
        "import.new_period_same": {
            "fi": "tiedoston kausi {period} on jo voimassa oleva kausi; uusi kausi tarvitsee "
            "uuden nimen kohtaan programme.period, tai tuo tarkistus ilman --new-period",
            "en": "the file's period {period} is already the period in force; a new period "
            "needs a new name in programme.period, or import the revision without --new-period",
        },
        "import.period_closed": {
            "fi": "kausi {period} on jo päättynyt; päättynyttä kautta ei avata uudelleen",
            "en": "the period {period} has already closed; a closed period is not reopened",
        },
        "import.period_differs": {
            "fi": "tiedoston kausi on {period}, mutta voimassa on kausi {current}. Uuden kauden "
            "tuonti: digibot import TIEDOSTO --new-period",
            "en": "the file's period is {period}, but the period in force is {current}. To "
            "open the new period: digibot import FILE --new-period",
        },
        "import.id_reused": {
            "fi": "tunnus {id} oli aiemmalla kaudella eri toimenpide: ”{old}”, tiedostossa "
            "”{new}”. Anna uudelle toimenpiteelle uusi tunnus; jos se on sama toimenpide, "
            "siirrä se vanhalla nimellä ja muuta nimi sitten tavallisella tarkistuksella.",
            "en": "the id {id} was a different measure in an earlier period: “{old}”, in the "
            "file “{new}”. Give the new measure a new id; if it is the same measure, carry "
            "it over with its old title and change the title in an ordinary revision.",
        },
        "import.dry_run": {
            "fi": "Kokeilu: mitään ei muutettu. Tuonti {path} tekisi tarkistuksen ”{label}” "
            "(kausi {period}):",
            "en": "Dry run: nothing was changed. Importing {path} would make the revision "
            "“{label}” (period {period}):",
        },
        "import.dry_run_nothing": {
            "fi": "Kokeilu: mitään ei muutettu. Tuonti {path} ei muuttaisi ohjelmaa.",
            "en": "Dry run: nothing was changed. Importing {path} would change nothing.",
        },
        "import.revision_recorded": {
            "fi": "Tarkistus ”{label}” (kausi {period}) kirjattu, tekijä {by}:",
            "en": "Revision “{label}” (period {period}) recorded by {by}:",
        },
        "import.nothing_changed": {
            "fi": "Tiedosto vastaa ohjelmaa: mikään ei muuttunut, tarkistusta ei kirjattu.",
            "en": "The file matches the programme: nothing changed, no revision was recorded.",
        },
        "import.new_period_opened": {
            "fi": "Kausi {period} avattu ja kausi {previous} päätetty.",
            "en": "The period {period} is open and the period {previous} closed.",
        },
        "revision.counts": {
            "fi": "Toimenpiteet: {added} uutta, {retired} poistettu käytöstä, {reinstated} "
            "palautettu, {changed} muuttunut. Teemat: {themes_added} uutta, {themes_retired} "
            "poistettu käytöstä, {themes_reinstated} palautettu, {themes_changed} muuttunut.",
            "en": "Measures: {added} added, {retired} retired, {reinstated} reinstated, "
            "{changed} changed. Themes: {themes_added} added, {themes_retired} retired, "
            "{themes_reinstated} reinstated, {themes_changed} changed.",
        },
        "revision.none": {"fi": "Ei muutoksia.", "en": "No changes."},
        "revision.measures_added": {"fi": "Uudet toimenpiteet:", "en": "Measures added:"},
        "revision.measures_retired": {
            "fi": "Käytöstä poistetut toimenpiteet:",
            "en": "Measures retired:",
        },
        "revision.measures_reinstated": {
            "fi": "Palautetut toimenpiteet:",
            "en": "Measures reinstated:",
        },
        "revision.measures_changed": {
            "fi": "Muuttuneet toimenpiteet:",
            "en": "Measures changed:",
        },
        "revision.themes_added": {"fi": "Uudet teemat:", "en": "Themes added:"},
        "revision.themes_retired": {"fi": "Käytöstä poistetut teemat:", "en": "Themes retired:"},
        "revision.themes_reinstated": {"fi": "Palautetut teemat:", "en": "Themes reinstated:"},
        "revision.themes_changed": {"fi": "Muuttuneet teemat:", "en": "Themes changed:"},
        "revision.item": {"fi": "{code} {title}", "en": "{code} {title}"},
        "revision.field_change": {"fi": "{field}: {old} → {new}", "en": "{field}: {old} → {new}"},
        "revision.field.code": {"fi": "tunnus", "en": "id"},
        "revision.field.theme_id": {"fi": "teema", "en": "theme"},
        "revision.field.title": {"fi": "nimi", "en": "title"},
        "revision.field.name": {"fi": "nimi", "en": "name"},
        "revision.field.description": {"fi": "kuvaus", "en": "description"},
        "revision.field.owner_id": {"fi": "vastuuhenkilö", "en": "owner"},
        "revision.field.deputy_ids": {"fi": "varahenkilöt", "en": "deputies"},
        "revision.field.unit": {"fi": "vastuuyksikkö", "en": "unit"},
        "revision.field.start": {"fi": "alkaa", "en": "start"},
        "revision.field.due": {"fi": "määräaika", "en": "due"},
        "revision.field.budget_eur": {"fi": "budjetti", "en": "budget"},
        "revision.field.indicator": {"fi": "mittari", "en": "indicator"},
        "revision.field.baseline": {"fi": "lähtötaso", "en": "baseline"},
        "revision.field.current": {"fi": "nykytaso", "en": "current level"},
        "revision.field.target": {"fi": "tavoite", "en": "target"},
    }
)

# Restore errors: what was wrong at a place (such as measures[3].due) of a backup. The
# import's messages (import.*) serve where the check is the import's own.
MESSAGES.update(
    {
        "restore.json_syntax": {
            "fi": "tiedosto ei ole kelvollista JSONia (rivi {line}, sarake {column})",
            "en": "the file is not valid JSON (line {line}, column {column})",
        },
        "restore.no_history": {
            "fi": "vienti on tehty ilman historiaa; tee se valitsimella --history",
            "en": "the export has no history; make it with --history",
        },
        "restore.version": {
            "fi": "tuntematon vientimuodon versio {value}; tämä digibot lukee versiot {known}",
            "en": "unknown export version {value}; this digibot reads versions {known}",
        },
        "restore.unknown_field": {
            "fi": "tuntematon kenttä",
            "en": "unknown field",
        },
        "restore.not_text": {
            "fi": "odotettiin tekstiä, saatiin {value}",
            "en": "expected text, got {value}",
        },
        "restore.not_integer": {
            "fi": "odotettiin kokonaislukua, saatiin {value}",
            "en": "expected a whole number, got {value}",
        },
        "restore.not_number": {
            "fi": "odotettiin lukua, saatiin {value}",
            "en": "expected a number, got {value}",
        },
        "restore.not_bool": {
            "fi": "odotettiin true tai false, saatiin {value}",
            "en": "expected true or false, got {value}",
        },
        "restore.not_list": {
            "fi": "odotettiin listaa [ … ], saatiin {value}",
            "en": "expected a list [ … ], got {value}",
        },
        "restore.not_object": {
            "fi": "odotettiin oliota {{ … }}, saatiin {value}",
            "en": "expected an object {{ … }}, got {value}",
        },
        "restore.bad_time": {
            "fi": "”{value}” ei ole aikaleima aikavyöhykkeineen, esim. 2025-04-01T09:30:00Z",
            "en": "“{value}” is not a time with its zone, e.g. 2025-04-01T09:30:00Z",
        },
        "restore.bad_value": {
            "fi": "arvo {value} ei kelpaa",
            "en": "the value {value} is not accepted",
        },
        "restore.duplicate": {
            "fi": "{id} on jo kohdassa {first}",
            "en": "{id} already appears at {first}",
        },
        "restore.bad_status": {
            "fi": "”{value}” ei ole tila; tilat ovat {statuses}",
            "en": "“{value}” is not a status; the statuses are {statuses}",
        },
        "restore.bad_progress": {
            "fi": "{value} ei ole edistyminen 0–100 %",
            "en": "{value} is not a progress from 0 to 100%",
        },
        "restore.out_of_range": {
            "fi": "{value} ei ole sallitulla välillä",
            "en": "{value} is out of range",
        },
        "restore.not_one_of": {
            "fi": "”{value}” ei kelpaa; sallitut: {allowed}",
            "en": "“{value}” is not accepted; allowed: {allowed}",
        },
        "restore.bad_day": {
            "fi": "”{value}” ei ole päivä muodossa 2025-05-20",
            "en": "“{value}” is not a day such as 2025-05-20",
        },
        "restore.bad_period": {
            "fi": "”{value}” ei ole katsauksen nimi; käytä muotoa 2025-H1, 2025-05-20 tai "
            "2025-01-15-extra",
            "en": "“{value}” is not a summary's name; use 2025-H1, 2025-05-20 or 2025-01-15-extra",
        },
        "restore.too_deep": {
            "fi": "tiedosto on sisäkkäin liian syvälle ollakseen digibotin vienti",
            "en": "the file is nested far too deep to be a digibot export",
        },
        "restore.kind_mismatch": {
            "fi": "katsauksen {name} laji ”{kind}” ei sovi nimeen (ylimääräisen nimi päättyy "
            "-extra)",
            "en": "the summary {name} cannot be of kind “{kind}” (an extra's name ends in -extra)",
        },
        "restore.unknown_update": {
            "fi": "tilannepäivitystä {value} ei ole historiassa",
            "en": "status update {value} is not in the history",
        },
        "restore.bad_reference": {
            "fi": "keskusteluviittaus ei ole JSON-olio",
            "en": "the conversation reference is not a JSON object",
        },
        "restore.unknown_revision": {
            "fi": "revisiota {value} ei ole revisioiden luettelossa",
            "en": "revision {value} is not in the list of revisions",
        },
        "restore.unknown_period": {
            "fi": "kautta ”{value}” ei ole kausien luettelossa",
            "en": "the period “{value}” is not in the list of periods",
        },
        "restore.out_of_order": {
            "fi": "suunnitelman muutokset eivät ole aikajärjestyksessä ({value})",
            "en": "the plan changes are not in order of time ({value})",
        },
    }
)


# Each person's language (handlers/commands/language.py). A language's name is in the
# language of the reply; `language.set` is said in the language just chosen.
MESSAGES.update(
    {
        "help.language": {
            "fi": "{p}kieli <kieli> — kieli, jolla botti vastaa sinulle. Esim. {p}kieli sv",
            "en": "{p}language <language> — the language the bot answers you in. "
            "E.g. {p}language sv",
        },
        "language.current": {
            "fi": "Vastaan sinulle suomeksi. Vaihda kieltä: {p}kieli <kieli>; kielet: {languages}.",
            "en": "I answer you in English. To change: {p}language <language>; "
            "languages: {languages}.",
        },
        "language.set": {
            "fi": "Selvä: vastaan sinulle tästä lähtien suomeksi.",
            "en": "Done: I will answer you in English from now on.",
        },
        "language.unknown": {
            "fi": "En osaa vastata kielellä ”{word}”. Valittavat kielet: {languages}. "
            "Mitään ei tallennettu.",
            "en": "I cannot answer in “{word}”. The languages to choose from: {languages}. "
            "Nothing was saved.",
        },
        "language.example": {"fi": "Esimerkki: {p}kieli sv", "en": "Example: {p}language sv"},
        "language.name.fi": {"fi": "suomi", "en": "Finnish"},
        "language.name.sv": {"fi": "ruotsi", "en": "Swedish"},
        "language.name.en": {"fi": "englanti", "en": "English"},
        "teams.command.language": {"fi": "kieli", "en": "language"},
        "teams.command.language.help": {
            "fi": "kieli sv — kieli, jolla botti vastaa sinulle",
            "en": "language sv — the language the bot answers you in",
        },
    }
)


# --- people: handing over, and their data (issue 13) ---
MESSAGES.update(
    {
        "help.owner": {
            "fi": "{p}vastuu <tunnus> <@henkilö | sähköposti> — siirtää toimenpiteen uudelle "
            "vastuuhenkilölle (digikoordinaattorille)",
            "en": "{p}owner <id> <@person | e-mail> — hands a measure to a new owner "
            "(for coordinators)",
        },
        "help.deputy": {
            "fi": "{p}varahenkilö <tunnus> lisää | poista <@henkilö | sähköposti> — "
            "varahenkilöt (digikoordinaattorille)",
            "en": "{p}deputy <id> add | remove <@person | e-mail> — a measure's deputies "
            "(for coordinators)",
        },
        "example.owner": {
            "fi": "Esimerkki: {p}vastuu 1.1 @Maija tai {p}vastuu 1.1 maija@kaupunki.fi",
            "en": "Example: {p}owner 1.1 @Maija or {p}owner 1.1 maija@city.example",
        },
        "example.deputy": {
            "fi": "Esimerkki: {p}varahenkilö 1.1 lisää @Maija",
            "en": "Example: {p}deputy 1.1 add @Maija",
        },
        "handover.owner_usage": {
            "fi": "Anna toimenpiteen tunnus ja uusi vastuuhenkilö (maininta, käyttäjätunnus "
            "tai sähköposti).",
            "en": "Give the measure's id and the new owner (a mention, a user id or an e-mail).",
        },
        "handover.deputy_usage": {
            "fi": "Anna toimenpiteen tunnus, lisää tai poista, ja henkilö (maininta, "
            "käyttäjätunnus tai sähköposti).",
            "en": "Give the measure's id, add or remove, and the person (a mention, a user id "
            "or an e-mail).",
        },
        "handover.refused": {
            "fi": "Vastuuhenkilöitä ja varahenkilöitä vaihtavat digikoordinaattorit.",
            "en": "Owners and deputies are reassigned by coordinators.",
        },
        "handover.retired": {
            "fi": "Toimenpide {id} on poistunut ohjelmasta: sen vastuita ei voi siirtää.",
            "en": "Measure {id} is retired from the programme: it cannot be handed over.",
        },
        "handover.unknown": {
            "fi": "Käyttäjää {who} ei löydy. Mitään ei muutettu.",
            "en": "No user {who} was found. Nothing was changed.",
        },
        "handover.unknown_hint": {
            "fi": "Mainitse henkilö tai anna hänen sähköpostinsa tai käyttäjätunnuksensa. "
            "Teamsissa henkilön on ensin keskusteltava botin kanssa.",
            "en": "Mention the person, or give their e-mail or user id. In Teams, the person "
            "must first have chatted with the bot.",
        },
        "handover.already_owner": {
            "fi": "{who} on jo toimenpiteen {id} vastuuhenkilö.",
            "en": "{who} already owns measure {id}.",
        },
        "handover.already_member": {
            "fi": "{who} on jo toimenpiteen {id} vastuu- tai varahenkilö.",
            "en": "{who} already owns or deputises measure {id}.",
        },
        "handover.not_deputy": {
            "fi": "{who} ei ole toimenpiteen {id} varahenkilö. Mitään ei muutettu.",
            "en": "{who} is not a deputy of measure {id}. Nothing was changed.",
        },
        "handover.owner_done": {
            "fi": "Toimenpiteen {id} vastuuhenkilö: {old} → {new}. Uudelle vastuuhenkilölle "
            "lähetettiin viesti.",
            "en": "Owner of measure {id}: {old} → {new}. The new owner has been sent a message.",
        },
        "handover.deputy_added": {
            "fi": "{who} lisättiin toimenpiteen {id} varahenkilöksi.",
            "en": "{who} is now a deputy of measure {id}.",
        },
        "handover.deputy_removed": {
            "fi": "{who} poistettiin toimenpiteen {id} varahenkilöistä.",
            "en": "{who} is no longer a deputy of measure {id}.",
        },
        "handover.dm_title": {
            "fi": "Sinusta tuli vastuuhenkilö",
            "en": "You are now an owner",
        },
        "handover.dm_intro_by": {
            "fi": "{by} siirsi sinulle vastuun: {ids}.",
            "en": "{by} handed you: {ids}.",
        },
        "handover.dm_intro": {
            "fi": "Ohjelman päivitys siirsi sinulle vastuun: {ids}.",
            "en": "A revision of the programme handed you: {ids}.",
        },
        "handover.dm_owned": {
            "fi": "Vastuullasi on nyt {count} toimenpidettä:",
            "en": "You now own {count} measures:",
        },
        "handover.dm_hint": {
            "fi": "Kirjaa tilanne: {p}tila {id} aikataulussa 10 % …",
            "en": "Report the status: {p}status {id} on-track 10% …",
        },
        "handover.history_owner": {
            "fi": "vastuuhenkilö {old} → {new}",
            "en": "owner {old} → {new}",
        },
        "handover.history_deputies": {
            "fi": "varahenkilöt {old} → {new}",
            "en": "deputies {old} → {new}",
        },
        "person.former": {
            "fi": "entinen vastuuhenkilö {number}",
            "en": "former owner {number}",
        },
        "cli.person_unknown": {
            "fi": "Henkilöä {ref} ei ole tietokannassa.",
            "en": "There is no person {ref} in the database.",
        },
        "cli.person_exported": {
            "fi": "Henkilön {id} tiedot kirjoitettiin: {path}",
            "en": "Person {id}'s data was written to {path}",
        },
        "cli.person_forgotten": {
            "fi": "Henkilö {id} korvattiin salanimellä ”{pseudonym}” kaikkialla; "
            "ohjelman historia säilyi.",
            "en": "Person {id} was replaced by the pseudonym “{pseudonym}” everywhere; "
            "the programme's history is kept.",
        },
        "cli.person_already_forgotten": {
            "fi": "Henkilö {id} on jo korvattu salanimellä ”{pseudonym}”: mitään ei muutettu.",
            "en": "Person {id} was already replaced by the pseudonym “{pseudonym}”: nothing "
            "was changed.",
        },
        "page.privacy.stored.names": {
            "fi": "Henkilön nimi ohjelman henkilöluettelosta tai Slackin tai Teamsin "
            "profiilista, jotta vastuuhenkilöt näkyvät nimellä eivätkä tunnisteina.",
            "en": "A person's name from the programme's list of people or from their Slack or "
            "Teams profile, so that owners are shown by name, not by an id.",
        },
        "page.privacy.stored.roles": {
            "fi": "Vastuu- ja varahenkilöiden vaihdokset: kuka siirsi vastuun kenelle ja milloin "
            "(ohjelman historia).",
            "en": "Changes of owners and deputies: who handed a measure to whom, and when (the "
            "programme's history).",
        },
        "page.privacy.access": {
            "fi": "Pyynnöstäsi ylläpitäjä antaa kaikki sinusta tallennetut tiedot (digibot "
            "person export) tai korvaa nimesi ja tunnisteesi salanimellä kaikkialla (digibot "
            "person forget). Ohjelman historia — päivitykset, niiden huomiot ja ajat — säilyy, "
            "koska se on kaupungin asiakirja.",
            "en": "On your request, the operator gives you all data stored about you (digibot "
            "person export) or replaces your name and ids by a pseudonym everywhere (digibot "
            "person forget). The programme's history — the updates, their notes and times — is "
            "kept, because it is the city's record.",
        },
        "cli.handover_sent": {
            "fi": "Uusille vastuuhenkilöille lähetettiin {sent} viestiä ({unreachable} ei "
            "tavoitettu).",
            "en": "{sent} new owners were sent a message ({unreachable} could not be reached).",
        },
    }
)


# --- absences and leavers (issue 13) ---
MESSAGES.update(
    {
        "help.away": {
            "fi": "{p}poissa <pvm> asti [huomio] — muistutukset menevät sillä aikaa "
            "varahenkilöille. Esim. {p}poissa 10.1.2027 asti Vanhempainvapaa",
            "en": "{p}away until <date> [note] — your reminders go to your deputies meanwhile. "
            "E.g. {p}away until 10.1.2027 Parental leave",
        },
        "help.back": {
            "fi": "{p}paikalla — päättää poissaolosi",
            "en": "{p}back — ends your absence",
        },
        "example.away": {
            "fi": "Esimerkki: {p}poissa 10.1.2027 asti Vanhempainvapaa (päivä muodossa "
            "10.1.2027 tai 2027-01-10, enintään vuoden päähän; digikoordinaattori: "
            "{p}poissa @henkilö 10.1.2027 asti)",
            "en": "Example: {p}away until 10.1.2027 Parental leave (a date such as 10.1.2027 or "
            "2027-01-10, at most a year ahead; coordinators: {p}away @someone until 10.1.2027)",
        },
        "example.back": {
            "fi": "Esimerkki: {p}paikalla (digikoordinaattori: {p}paikalla @henkilö)",
            "en": "Example: {p}back (coordinators: {p}back @someone)",
        },
        "teams.command.away": {"fi": "poissa", "en": "away"},
        "teams.command.away.help": {
            "fi": "poissa 10.1.2027 asti — muistutukset varahenkilöille poissaolon ajan",
            "en": "away until 10.1.2027 — reminders go to your deputies while you are away",
        },
        "away.no_day": {
            "fi": "Kerro, mihin päivään asti olet poissa.",
            "en": "Say until which day you are away.",
        },
        "away.bad_day": {
            "fi": "”{text}” ei ole päivämäärä.",
            "en": "“{text}” is not a date.",
        },
        "away.past": {
            "fi": "{day} on jo mennyt: poissaolon loppupäivä on tänään tai myöhemmin.",
            "en": "{day} has passed: an absence ends today or later.",
        },
        "away.too_far": {
            "fi": "Poissaolon voi merkitä enintään vuoden päähän ({last} asti).",
            "en": "An absence can be set at most a year ahead (until {last}).",
        },
        "away.refused": {
            "fi": "Vain digikoordinaattori voi merkitä toisen poissaolon. Omasi voit merkitä itse.",
            "en": "Only a coordinator can set someone else's absence. You can set your own.",
        },
        "away.unknown_person": {
            "fi": "”{who}” ei ole ohjelman henkilöissä: käytä tunnusta tai sähköpostiosoitetta.",
            "en": "“{who}” is not among the programme's people: use their id or e-mail.",
        },
        "away.recorded": {
            "fi": "Kirjattu: {who} on poissa {until} asti. Muistutukset menevät sillä aikaa "
            "varahenkilöille tai, jos heitä ei ole, digikoordinaattoreille.",
            "en": "Recorded: {who} is away until {until}. Reminders go to the deputies "
            "meanwhile, or to the coordinators where there are none.",
        },
        "away.back_hint": {
            "fi": "Poissaolo päättyy itsestään. Aiemmin palatessa: {p}paikalla",
            "en": "The absence ends by itself. Back earlier: {p}back",
        },
        "back.recorded": {
            "fi": "Tervetuloa takaisin: {who} on taas paikalla, ja muistutukset tulevat hänelle.",
            "en": "Welcome back: {who} is here again, and gets the reminders.",
        },
        "back.not_away": {
            "fi": "{who} ei ole merkitty poissaolevaksi.",
            "en": "{who} is not marked away.",
        },
        "presence.away": {"fi": "poissa {until} asti", "en": "away until {until}"},
        "presence.left": {"fi": "lähtenyt", "en": "has left"},
        "presence.owner_away": {
            "fi": "omistaja poissa {until} asti",
            "en": "owner away until {until}",
        },
        "presence.owner_left": {"fi": "omistaja lähtenyt", "en": "owner has left"},
        "presence.you_away": {
            "fi": "Olet poissa {until} asti: muistutukset menevät sillä aikaa varahenkilöille.",
            "en": "You are away until {until}: reminders go to your deputies meanwhile.",
        },
        "stale.owner_left": {
            "fi": "Omistaja lähtenyt ({count}) — anna toimenpiteet uudelle vastuuhenkilölle",
            "en": "Owner has left ({count}) — hand these measures to a new owner",
        },
        "summary.owner_left": {
            "fi": "Omistaja lähtenyt ({count})",
            "en": "Owner has left ({count})",
        },
        "summary.reason.owner_left": {"fi": "omistaja lähtenyt", "en": "owner has left"},
    }
)


# Money: spending against the appropriations (issue 12).
MESSAGES.update(
    {
        "help.spent": {
            "fi": "{p}käytetty <tunnus> <euroa> [--vuosi <vuosi>] [huomio] — kirjaa "
            "toimenpiteelle budjettivuonna tähän mennessä käytetyn summan. "
            "Esim. {p}käytetty 1.1 12 400",
            "en": "{p}spent <id> <euros> [--year <year>] [note] — records what has been spent "
            "on a measure in the budget year to date. E.g. {p}spent 1.1 12,400",
        },
        "teams.command.spent": {"fi": "käytetty", "en": "spent"},
        "teams.command.spent.help": {
            "fi": "käytetty 1.1 12 400 — tähän mennessä käytetty summa",
            "en": "spent 1.1 12,400 — spent to date this year",
        },
        "usage.spent": {
            "fi": "Anna toimenpiteen tunnus ja käytetty summa euroina.",
            "en": "Give the measure's id and the amount spent in euros.",
        },
        "example.spent": {
            "fi": "Esimerkki: {p}käytetty 1.1 12 400,50 --vuosi 2025 Laitehankinnat",
            "en": "Example: {p}spent 1.1 12,400.50 --year 2025 Hardware",
        },
        "spent.example": {
            "fi": "Esimerkki: {p}käytetty {id} 12 400,50 (vuosi: --vuosi 2025)",
            "en": "Example: {p}spent {id} 12,400.50 (a year: --year 2025)",
        },
        "spent.bad_amount": {
            "fi": "”{value}” ei ole euromäärä. Anna summa nollasta ylöspäin, esim. 12 400 tai "
            "12 400,50 €. Mitään ei tallennettu.",
            "en": "“{value}” is not an amount of euros. Give zero or more, such as 12,400 or "
            "€12,400.50. Nothing was saved.",
        },
        "spent.bad_year": {
            "fi": "”{value}” ei ole budjettivuosi. Anna vuosi neljällä numerolla, esim. "
            "--vuosi 2025. Mitään ei tallennettu.",
            "en": "“{value}” is not a budget year. Give four digits, such as --year 2025. "
            "Nothing was saved.",
        },
        "spent.absurd": {
            "fi": "{amount} on yli {times}-kertainen vuoden {year} määrärahaan tai budjettiin "
            "({basis}) nähden: tuskin oikein. Mitään ei tallennettu.",
            "en": "{amount} is over {times} times the {year} appropriation or budget "
            "({basis}): hardly right. Nothing was saved.",
        },
        "spent.absurd_hint": {
            "fi": "Tarkista summa. Jos se on oikein, kirjaa se lomakkeella ja vahvista.",
            "en": "Check the amount. If it is right, report it in the form and confirm it.",
        },
        "spent.confirm": {
            "fi": "Kyllä, summa on oikein",
            "en": "Yes, the amount is right",
        },
        "spent.retired": {
            "fi": "Toimenpide {id} on poistunut ohjelmasta: siihen ei kirjata enää mitään. "
            "Mitään ei tallennettu.",
            "en": "Measure {id} has been retired from the programme: nothing more is recorded "
            "on it. Nothing was saved.",
        },
        "spent.recorded": {
            "fi": "Tallennettu. Toimenpiteen {id} rahat nyt:",
            "en": "Saved. Measure {id}'s money now:",
        },
        "spent.already_recorded": {
            "fi": "Tämä summa oli jo tallennettu. Toimenpiteen {id} rahat:",
            "en": "This amount was already saved. Measure {id}'s money:",
        },
        "field.appropriation": {"fi": "Määräraha {year}", "en": "Appropriation {year}"},
        "field.appropriations": {"fi": "Määrärahat yhteensä", "en": "Appropriations in all"},
        "field.spent": {"fi": "Käytetty {year}", "en": "Spent {year}"},
        "field.spent_total": {"fi": "Käytetty yhteensä", "en": "Spent in all"},
        "flag.over_budget": {
            "fi": "⚠️ Yli määrärahan: käytetty {spent}, suunniteltu {planned} ({when}).",
            "en": "⚠️ Over the appropriation: spent {spent} against {planned} planned ({when}).",
        },
        "flag.over_total": {"fi": "yhteensä", "en": "in all"},
        "form.spent": {
            "fi": "Käytetty tänä vuonna tähän mennessä (€)",
            "en": "Spent to date this year (€)",
        },
        "form.spent_confirm": {
            "fi": "Suuri summa (yli 100 × määräraha)",
            "en": "A large amount (over 100 × the appropriation)",
        },
        "form.spent_confirm_hint": {
            "fi": "Jos summa on oikein, rastita ”Kyllä, summa on oikein” ja lähetä uudelleen.",
            "en": "If it is right, tick “Yes, the amount is right” and send again.",
        },
        "form.spent_hint": {
            "fi": "Vapaaehtoinen. Esim. 12 400 tai 12 400,50",
            "en": "Optional. E.g. 12,400 or 12,400.50",
        },
        "history.spending": {
            "fi": "Käytetyt varat, uusimmasta alkaen",
            "en": "Spending reports, newest first",
        },
        "history.spending_line": {
            "fi": "{time} — {year}: {amount}, {author}",
            "en": "{time} — {year}: {amount}, by {author}",
        },
        "import.bad_appropriations": {
            "fi": "määrärahat annetaan vuosittain, esim. appropriations: {{2025: 10000, 2026: "
            "12400}} (annoit {value})",
            "en": "give appropriations per year, e.g. appropriations: {{2025: 10000, 2026: "
            "12400}} (you gave {value})",
        },
        "import.bad_appropriation": {
            "fi": "vuoden {year} määräraha ”{value}” ei ole euromäärä (esim. 12 400 tai 12 400,50)",
            "en": "the {year} appropriation “{value}” is not an amount of euros "
            "(e.g. 12400 or 12400.50)",
        },
        "import.bad_amount": {
            "fi": "”{value}” ei ole euromäärä (esim. 12 400 tai 12 400,50)",
            "en": "“{value}” is not an amount of euros (e.g. 12400 or 12400.50)",
        },
        "import.duplicate_actual": {
            "fi": "toimenpiteen {id} vuosi {year} on jo rivillä {first}",
            "en": "measure {id}, year {year} already appears on line {first}",
        },
        "import.unknown_measure": {
            "fi": "toimenpidettä ”{value}” ei ole ohjelmassa",
            "en": "measure “{value}” is not in the programme",
        },
        "import.retired_measure": {
            "fi": "toimenpide {value} on poistunut ohjelmasta",
            "en": "measure {value} has been retired from the programme",
        },
        "import.bad_day": {
            "fi": "”{value}” ei ole päivä; käytä muotoa 2026-03-31 tai 31.3.2026",
            "en": "“{value}” is not a day; use 2026-03-31 or 31.3.2026",
        },
        "cli.actuals_ok": {
            "fi": "{path}: {count} toteumaa kirjattu.",
            "en": "{path}: {count} actuals recorded.",
        },
        "cli.actuals_line": {
            "fi": "{id} {year}: {amount} ({day})",
            "en": "{id} {year}: {amount} ({day})",
        },
    }
)


# Maturity: a theme's assessed level on Kuntaliitto's 1–5 scale (handlers/commands/maturity.py).
MESSAGES.update(
    {
        "help.maturity": {
            "fi": "{p}kypsyys [<teema> [<taso> <lähde> <pvm>]] — teemojen digitaalinen kypsyys "
            "(1–5); tason kirjaa digikoordinaattori. Esim. {p}kypsyys T1 3,2 Itsearviointi "
            "10/2026",
            "en": "{p}maturity [<theme> [<level> <source> <date>]] — the themes' digital "
            "maturity (1–5); coordinators record a level. E.g. {p}maturity T1 3.2 "
            "Self-assessment 10/2026",
        },
        "example.maturity": {
            "fi": "Esimerkki: {p}kypsyys T1 3,2 Itsearviointi 10/2026 (päivä myös 2026-10, "
            "15.10.2026 tai 2026-10-15; oletus tänään)",
            "en": "Example: {p}maturity T1 3.2 Self-assessment 10/2026 (the date also 2026-10, "
            "15.10.2026 or 2026-10-15; today if left out)",
        },
        "teams.command.maturity": {"fi": "kypsyys", "en": "maturity"},
        "teams.command.maturity.help": {
            "fi": "kypsyys [teema] — digitaalinen kypsyys 1–5: lähtötaso, arviot, tavoite",
            "en": "maturity [theme] — digital maturity 1–5: baseline, assessments, target",
        },
        "maturity.refused": {
            "fi": "Kypsyystason kirjaa digikoordinaattori; mitään ei tallennettu.",
            "en": "Maturity levels are recorded by coordinators; nothing was saved.",
        },
        "maturity.refused_hint": {
            "fi": "Teeman kypsyyden näet komennolla {p}kypsyys {id}",
            "en": "See the theme's maturity with {p}maturity {id}",
        },
        "maturity.bad_level": {
            "fi": "”{value}” ei ole kypsyystaso 1–5 (enintään kaksi desimaalia, esim. 3,2). "
            "Mitään ei tallennettu.",
            "en": "“{value}” is not a maturity level from 1 to 5 (at most two decimals, e.g. "
            "3.2). Nothing was saved.",
        },
        "maturity.bad_date": {
            "fi": "”{value}” ei ole päivämäärä. Anna arvioinnin kuukausi tai päivä: 10/2026, "
            "2026-10, 15.10.2026 tai 2026-10-15. Mitään ei tallennettu.",
            "en": "“{value}” is not a date. Give the month or day of the assessment: 10/2026, "
            "2026-10, 15.10.2026 or 2026-10-15. Nothing was saved.",
        },
        "maturity.future_date": {
            "fi": "Arviointipäivä {when} on tulevaisuudessa: anna päivä, jolloin taso arvioitiin. "
            "Mitään ei tallennettu.",
            "en": "The assessment date {when} is in the future: give the date the level was "
            "assessed. Nothing was saved.",
        },
        "maturity.source_too_long": {
            "fi": "Lähde on liian pitkä ({length} merkkiä, enintään {limit}). Mitään ei "
            "tallennettu.",
            "en": "The source is too long ({length} characters, at most {limit}). Nothing was "
            "saved.",
        },
        "maturity.repeat": {
            "fi": "Tämä arvio on jo tallennettu; mitään ei tallennettu uudelleen.",
            "en": "This assessment was saved already; nothing was saved again.",
        },
        "maturity.recorded": {
            "fi": "{theme}: kypsyys {level} ({about}); lähtötaso {baseline} → tavoite {target}",
            "en": "{theme}: maturity {level} ({about}); baseline {baseline} → target {target}",
        },
        "maturity.path_hint": {
            "fi": "Teeman kypsyyden historia: {p}kypsyys {id}",
            "en": "The theme's maturity over time: {p}maturity {id}",
        },
        "maturity.title": {
            "fi": "{theme} — digitaalinen kypsyys (1–5)",
            "en": "{theme} — digital maturity (1–5)",
        },
        "maturity.baseline": {"fi": "Lähtötaso {level}", "en": "Baseline {level}"},
        "maturity.target": {"fi": "Tavoite {level}", "en": "Target {level}"},
        "maturity.assessment": {
            "fi": "{level} — {source}, {when} ({author})",
            "en": "{level} — {source}, {when} ({author})",
        },
        "maturity.origin.chat": {"fi": "arvio", "en": "assessment"},
        "maturity.origin.maturity-import": {"fi": "tuotu arvio", "en": "imported assessment"},
        "maturity.origin.programme": {"fi": "ohjelmatiedosto", "en": "programme file"},
        "maturity.none": {
            "fi": "Teemalle ei ole vielä kirjattu kypsyysarviota.",
            "en": "No maturity assessment has been recorded for the theme yet.",
        },
        "maturity.overview": {
            "fi": "Digitaalinen kypsyys teemoittain (1–5)",
            "en": "Digital maturity by theme (1–5)",
        },
        "maturity.line": {
            "fi": "{theme}: lähtötaso {baseline} → nyt {current} → tavoite {target}",
            "en": "{theme}: baseline {baseline} → now {current} → target {target}",
        },
        "maturity.no_themes": {
            "fi": "Ohjelmassa ei ole vielä teemoja.",
            "en": "The programme has no themes yet.",
        },
        "theme.not_found": {
            "fi": "Teemaa ”{id}” ei löydy. Tarkoititko: {ids}?",
            "en": "Theme “{id}” not found. Did you mean: {ids}?",
        },
        "theme.not_found_none": {
            "fi": "Teemaa ”{id}” ei löydy.",
            "en": "Theme “{id}” not found.",
        },
        "theme.known": {"fi": "Teemat: {ids}", "en": "Themes: {ids}"},
        "maturity.import.empty": {
            "fi": "tiedostossa ei ole yhtään arviota",
            "en": "the file holds no assessments",
        },
        "maturity.import.unknown_theme": {
            "fi": "teemaa ”{value}” ei ole ohjelmassa (lähimmät: {ids})",
            "en": "theme “{value}” is not in the programme (closest: {ids})",
        },
        "maturity.import.bad_date": {
            "fi": "”{value}” ei ole päivämäärä; käytä muotoa 10/2026, 2026-10, 15.10.2026 tai "
            "2026-10-15",
            "en": "“{value}” is not a date; use 10/2026, 2026-10, 15.10.2026 or 2026-10-15",
        },
        "maturity.import.future_date": {
            "fi": "arviointipäivä {value} on tulevaisuudessa",
            "en": "the assessment date {value} is in the future",
        },
        "maturity.import.duplicate": {
            "fi": "sama arvio on jo rivillä {first}",
            "en": "the same assessment is already on line {first}",
        },
        "cli.maturity_ok": {
            "fi": "Tuotu {path}: {count} kypsyysarviota kirjattu ({already} oli jo kirjattu).",
            "en": "Imported {path}: {count} maturity assessments recorded ({already} were "
            "recorded already).",
        },
        "cli.maturity_line": {
            "fi": "{theme}: {level} ({about}), rivi {line}",
            "en": "{theme}: {level} ({about}), line {line}",
        },
    }
)


# --- the summary's maturity and money (issue 12) ---
MESSAGES.update(
    {
        "summary.money_short": {
            "fi": "Määrärahat {planned}, käytetty tähän mennessä {spent} ({share}).",
            "en": "Appropriations {planned}, spent to date {spent} ({share}).",
        },
        "summary.maturity_short": {
            "fi": "Kypsyys (1–5, {count} teeman keskiarvo): lähtötaso {baseline} → nyt "
            "{current}, tavoite {target}.",
            "en": "Maturity (1–5, average of {count} themes): baseline {baseline} → now "
            "{current}, target {target}.",
        },
        "summary.board": {"fi": "Kypsyys ja rahat", "en": "Maturity and money"},
        "summary.money": {
            "fi": "Ohjelman määrärahat yhteensä {planned}; käytetty tähän mennessä {spent} "
            "({share}). Suunniteltu on toimenpiteen budjetti tai sen kaikkien "
            "talousarviovuosien määrärahat yhteensä; käytetty on kaikkien vuosien käyttö. "
            "Yli määrärahan on toimenpide, jonka käyttö ylittää vuoden {year} määrärahan tai "
            "suunnitellun kokonaismäärän.",
            "en": "The programme's appropriations in all {planned}; spent to date {spent} "
            "({share}). Planned is each measure's budget, or its appropriations over all "
            "budget years; spent is its spending over all years. A measure is over budget "
            "when its spending exceeds its appropriation for {year} or its planned total.",
        },
        "summary.col.baseline": {"fi": "Lähtötaso", "en": "Baseline"},
        "summary.col.previous": {"fi": "Edellinen arvio", "en": "Previous assessment"},
        "summary.col.now": {"fi": "Nyt", "en": "Now"},
        "summary.col.target": {"fi": "Tavoite", "en": "Target"},
        "summary.col.planned": {"fi": "Suunniteltu", "en": "Planned"},
        "summary.col.spent": {"fi": "Käytetty", "en": "Spent"},
        "summary.col.share": {"fi": "Osuus", "en": "Share"},
        "summary.board_line": {
            "fi": "{theme}: kypsyys {baseline} → {previous} → {current}, tavoite {target}; "
            "suunniteltu {planned}, käytetty {spent} ({share})",
            "en": "{theme}: maturity {baseline} → {previous} → {current}, target {target}; "
            "planned {planned}, spent {spent} ({share})",
        },
        "summary.maturity_path": {
            "fi": "Digitaalinen kypsyys (1–5): lähtötaso {baseline} → edellinen arvio "
            "{previous} → nyt {current} → tavoite {target}",
            "en": "Digital maturity (1–5): baseline {baseline} → previous assessment "
            "{previous} → now {current} → target {target}",
        },
        "summary.theme_money": {
            "fi": "Suunniteltu {planned}, käytetty tähän mennessä {spent} ({share}).",
            "en": "Planned {planned}, spent to date {spent} ({share}).",
        },
        "summary.over_budget": {
            "fi": "Yli määrärahan ({count})",
            "en": "Over the appropriation ({count})",
        },
        "summary.over_budget_line": {
            "fi": "{name} — käytetty {spent}, suunniteltu {planned} ({when}) ({owner})",
            "en": "{name} — spent {spent} against {planned} planned ({when}) ({owner})",
        },
        "summary.reason.over_budget": {
            "fi": "yli määrärahan: käytetty {spent}, suunniteltu {planned} ({when})",
            "en": "over budget: spent {spent} of {planned} ({when})",
        },
        "summary.chart_alt_of": {"fi": "{title}: {themes}.", "en": "{title}: {themes}."},
        "summary.maturity_chart": {
            "fi": "Digitaalinen kypsyys teemoittain (1–5)",
            "en": "Digital maturity by theme (1–5)",
        },
        "summary.maturity_alt_theme": {
            "fi": "{theme}: lähtötaso {baseline}, arviot {assessed}, tavoite {target}",
            "en": "{theme}: baseline {baseline}, assessments {assessed}, target {target}",
        },
        "summary.spending_chart": {
            "fi": "Suunniteltu ja käytetty raha teemoittain",
            "en": "Money planned and spent by theme",
        },
        "summary.spending_alt_theme": {
            "fi": "{theme}: suunniteltu {planned}, käytetty {spent} ({share})",
            "en": "{theme}: planned {planned}, spent {spent} ({share})",
        },
        "summary.legend.earlier": {"fi": "Aiemmat arviot", "en": "Earlier assessments"},
        "summary.axis.level": {"fi": "Kypsyystaso (1–5)", "en": "Maturity level (1–5)"},
    }
)


def _add_swedish() -> None:
    from handlers.messages_sv import SWEDISH

    for key, text in SWEDISH.items():
        MESSAGES[key]["sv"] = text


_add_swedish()


def _add_public_pages() -> None:
    from handlers.messages_public import PUBLIC

    MESSAGES.update(PUBLIC)


_add_public_pages()


class Messages:
    """The catalogue in one language."""

    def __init__(self, language: Language) -> None:
        self.language = language

    def __call__(self, key: str, **params: object) -> str:
        return MESSAGES[key][self.language].format(**params)
