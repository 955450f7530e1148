"""The catalogue's texts of the public progress page, the open data page and the
accessibility statement, in Finnish, Swedish and English (merged into handlers/messages.py:
one catalogue; kept in a module of their own because there are many)."""

from __future__ import annotations

PUBLIC: dict[str, dict[str, str]] = {
    "public.skip": {
        "fi": "Siirry sisältöön",
        "sv": "Gå till innehållet",
        "en": "Skip to content",
    },
    "public.nav": {"fi": "Sivusto", "sv": "Webbplatsen", "en": "Site"},
    "public.languages": {"fi": "Kieli", "sv": "Språk", "en": "Language"},
    "public.lang.fi": {"fi": "Suomeksi", "sv": "Suomeksi", "en": "Suomeksi"},
    "public.lang.sv": {"fi": "På svenska", "sv": "På svenska", "en": "På svenska"},
    "public.lang.en": {"fi": "In English", "sv": "In English", "en": "In English"},
    "public.overview.link": {"fi": "Tilannekuva", "sv": "Lägesbild", "en": "Progress"},
    "public.data.link": {"fi": "Avoin data", "sv": "Öppna data", "en": "Open data"},
    "public.accessibility.link": {
        "fi": "Saavutettavuusseloste",
        "sv": "Tillgänglighetsutlåtande",
        "en": "Accessibility statement",
    },
    "public.breadcrumb": {"fi": "Murupolku", "sv": "Brödsmulor", "en": "Breadcrumb"},
    "public.intro": {
        "fi": "Tällä sivulla kerrotaan, miten kaupungin digiohjelman toimenpiteet etenevät. "
        "Tiedot päivittyvät sitä mukaa kuin toimenpiteiden vastuutahot kirjaavat tilanteen.",
        "sv": "Här ser du hur åtgärderna i stadens digitala program framskrider. Uppgifterna "
        "uppdateras när de ansvariga enheterna rapporterar läget.",
        "en": "This page shows how the measures of the city's digital programme are "
        "progressing. It is updated as the units responsible report their status.",
    },
    "public.period": {"fi": "Ohjelmakausi", "sv": "Programperiod", "en": "Programme period"},
    "public.vision": {"fi": "Visio {year}", "sv": "Vision {year}", "en": "Vision {year}"},
    "public.status.heading": {
        "fi": "Toimenpiteiden tila",
        "sv": "Åtgärdernas status",
        "en": "Status of the measures",
    },
    "public.done_share": {
        "fi": "Valmiina {done}/{total} toimenpidettä ({share}).",
        "sv": "Klara: {done} av {total} åtgärder ({share}).",
        "en": "Done: {done} of {total} measures ({share}).",
    },
    "public.no_measures": {
        "fi": "Ohjelmassa ei ole vielä toimenpiteitä.",
        "sv": "Programmet har ännu inga åtgärder.",
        "en": "The programme has no measures yet.",
    },
    "public.count": {"fi": "Lukumäärä", "sv": "Antal", "en": "Number"},
    "public.status": {"fi": "Tila", "sv": "Status", "en": "Status"},
    "public.themes": {"fi": "Painopistealueet", "sv": "Fokusområden", "en": "Themes"},
    "public.theme": {"fi": "Painopistealue", "sv": "Fokusområde", "en": "Theme"},
    "public.measures": {"fi": "Toimenpiteet", "sv": "Åtgärder", "en": "Measures"},
    "public.measure": {"fi": "Toimenpide", "sv": "Åtgärd", "en": "Measure"},
    "public.maturity": {
        "fi": "Digikypsyys (asteikko 1–5)",
        "sv": "Digital mognad (skala 1–5)",
        "en": "Digital maturity (scale 1–5)",
    },
    "public.maturity.baseline": {"fi": "Lähtötaso", "sv": "Utgångsnivå", "en": "Baseline"},
    "public.maturity.current": {"fi": "Nykytaso", "sv": "Nuvarande nivå", "en": "Current"},
    "public.maturity.target": {"fi": "Tavoite", "sv": "Mål", "en": "Target"},
    "public.money": {"fi": "Budjetti", "sv": "Budget", "en": "Budget"},
    "public.money.planned": {
        "fi": "Suunniteltu budjetti {amount} ({known}/{total} toimenpiteellä on budjetti).",
        "sv": "Planerad budget {amount} ({known} av {total} åtgärder har en budget).",
        "en": "Planned budget {amount} ({known} of {total} measures have a budget).",
    },
    "public.money.spent": {
        "fi": "Käytetty tähän mennessä {amount} ({share} % suunnitellusta).",
        "sv": "Använt hittills {amount} ({share} % av det planerade).",
        "en": "Spent to date {amount} ({share}% of the planned).",
    },
    "public.money.none": {
        "fi": "Toimenpiteille ei ole kirjattu budjettia.",
        "sv": "Ingen budget har angetts för åtgärderna.",
        "en": "No budget has been recorded for the measures.",
    },
    "public.last_summary": {
        "fi": "Edellinen tilannekatsaus kaupunginhallitukselle: {date}.",
        "sv": "Den senaste lägesöversikten till stadsstyrelsen: {date}.",
        "en": "The last summary to the city board: {date}.",
    },
    "public.last_summary.none": {
        "fi": "Tilannekatsausta ei ole vielä annettu.",
        "sv": "Ingen lägesöversikt har getts ännu.",
        "en": "No summary has been given yet.",
    },
    "public.retired_themes": {
        "fi": "Ohjelmasta poistetut painopistealueet",
        "sv": "Fokusområden som strukits ur programmet",
        "en": "Themes retired from the programme",
    },
    "public.retired_measures": {
        "fi": "Ohjelmasta poistetut toimenpiteet",
        "sv": "Åtgärder som strukits ur programmet",
        "en": "Measures retired from the programme",
    },
    "public.retired_on": {
        "fi": "Poistettu ohjelmasta {date}.",
        "sv": "Struken ur programmet {date}.",
        "en": "Retired from the programme on {date}.",
    },
    "public.id": {"fi": "Tunnus", "sv": "Id", "en": "Id"},
    "public.unit": {"fi": "Vastuutaho", "sv": "Ansvarig enhet", "en": "Responsible unit"},
    "public.progress": {"fi": "Edistyminen", "sv": "Framsteg", "en": "Progress"},
    "public.due": {"fi": "Valmistuu", "sv": "Klar", "en": "Due"},
    "public.original_due": {
        "fi": "Alkuperäinen aikataulu",
        "sv": "Ursprunglig tidtabell",
        "en": "Originally due",
    },
    "public.start": {"fi": "Alkaa", "sv": "Börjar", "en": "Starts"},
    "public.description": {"fi": "Kuvaus", "sv": "Beskrivning", "en": "Description"},
    "public.indicator": {"fi": "Mittari", "sv": "Mätare", "en": "Indicator"},
    "public.baseline": {"fi": "Lähtötaso", "sv": "Utgångsläge", "en": "Baseline"},
    "public.target": {"fi": "Tavoite", "sv": "Mål", "en": "Target"},
    "public.budget": {"fi": "Budjetti", "sv": "Budget", "en": "Budget"},
    "public.reported": {"fi": "Päivitetty", "sv": "Uppdaterad", "en": "Updated"},
    "public.not_reported": {
        "fi": "Tilannetta ei ole vielä kirjattu.",
        "sv": "Läget har ännu inte rapporterats.",
        "en": "No status has been reported yet.",
    },
    "public.note": {"fi": "Huomio", "sv": "Anteckning", "en": "Note"},
    "public.plan": {"fi": "Suunnitelma", "sv": "Plan", "en": "Plan"},
    "public.history": {"fi": "Historia", "sv": "Historik", "en": "History"},
    "public.history.intro": {
        "fi": "Tilannepäivitykset ja suunnitelman muutokset, uusin ensin.",
        "sv": "Lägesuppdateringar och ändringar i planen, den senaste först.",
        "en": "Status reports and changes to the plan, newest first.",
    },
    "public.history.more": {
        "fi": "Sivulla ovat viimeisimmät {shown}/{total} tilannepäivitystä. Kaikki ovat "
        "avoimessa datassa:",
        "sv": "Sidan visar de senaste {shown} av {total} lägesuppdateringarna. Alla finns i "
        "öppna data:",
        "en": "The page shows the latest {shown} of {total} status reports. All of them are "
        "in the open data:",
    },
    "public.history.when": {"fi": "Aika", "sv": "Tid", "en": "When"},
    "public.history.what": {"fi": "Tapahtuma", "sv": "Händelse", "en": "What"},
    "public.history.none": {
        "fi": "Ei vielä tapahtumia.",
        "sv": "Inga händelser ännu.",
        "en": "Nothing yet.",
    },
    "public.event.added": {
        "fi": "Lisätty ohjelmaan",
        "sv": "Tillagd i programmet",
        "en": "Added to the programme",
    },
    "public.event.changed": {
        "fi": "Suunnitelmaa muutettu",
        "sv": "Planen ändrad",
        "en": "Plan changed",
    },
    "public.event.retired": {
        "fi": "Poistettu ohjelmasta",
        "sv": "Struken ur programmet",
        "en": "Retired from the programme",
    },
    "public.event.reinstated": {
        "fi": "Palautettu ohjelmaan",
        "sv": "Återinförd i programmet",
        "en": "Reinstated in the programme",
    },
    "public.change": {
        "fi": "{field}: {old} → {new}",
        "sv": "{field}: {old} → {new}",
        "en": "{field}: {old} → {new}",
    },
    "public.field.code": {"fi": "Tunnus", "sv": "Id", "en": "Id"},
    "public.field.theme": {"fi": "Painopistealue", "sv": "Fokusområde", "en": "Theme"},
    "public.field.title": {"fi": "Nimi", "sv": "Namn", "en": "Title"},
    "public.field.description": {"fi": "Kuvaus", "sv": "Beskrivning", "en": "Description"},
    "public.field.unit": {"fi": "Vastuutaho", "sv": "Ansvarig enhet", "en": "Responsible unit"},
    "public.field.start": {"fi": "Alkaa", "sv": "Börjar", "en": "Starts"},
    "public.field.due": {"fi": "Valmistuu", "sv": "Klar", "en": "Due"},
    "public.field.budget_eur": {"fi": "Budjetti", "sv": "Budget", "en": "Budget"},
    "public.field.indicator": {"fi": "Mittari", "sv": "Mätare", "en": "Indicator"},
    "public.field.baseline": {"fi": "Lähtötaso", "sv": "Utgångsläge", "en": "Baseline"},
    "public.field.target": {"fi": "Tavoite", "sv": "Mål", "en": "Target"},
    "public.not_found.title": {
        "fi": "Sivua ei löydy",
        "sv": "Sidan hittades inte",
        "en": "Page not found",
    },
    "public.not_found.text": {
        "fi": "Ohjelmassa ei ole tunnusta ”{code}”. Kaikki toimenpiteet löydät tilannekuvasta.",
        "sv": "Programmet har inget id ”{code}”. Alla åtgärder finns i lägesbilden.",
        "en": "The programme has no id “{code}”. Every measure is listed on the progress page.",
    },
    "public.footer.data": {
        "fi": "Tiedot ovat avointa dataa lisenssillä {licence}.",
        "sv": "Uppgifterna är öppna data med licensen {licence}.",
        "en": "The data is open data under the licence {licence}.",
    },
    # --- the open data page ---
    "public.data.title": {"fi": "Avoin data", "sv": "Öppna data", "en": "Open data"},
    "public.data.intro": {
        "fi": "Digiohjelman tiedot ovat ladattavissa koneluettavina tiedostoina. Niissä ei "
        "ole henkilötietoja: toimenpiteen vastuu kerrotaan vastuutahona.",
        "sv": "Det digitala programmets uppgifter kan laddas ner som maskinläsbara filer. De "
        "innehåller inga personuppgifter: ansvaret för en åtgärd anges som enhet.",
        "en": "The programme's data can be downloaded as machine-readable files. They hold "
        "no personal data: who answers for a measure is given as a unit.",
    },
    "public.data.licence": {
        "fi": "Lisenssi: {licence}. Mainitse lähteenä kaupungin digiohjelma.",
        "sv": "Licens: {licence}. Ange stadens digitala program som källa.",
        "en": "Licence: {licence}. Credit the city's digital programme as the source.",
    },
    "public.data.measures_json": {
        "fi": "Toimenpiteet ja niiden tila (JSON)",
        "sv": "Åtgärderna och deras status (JSON)",
        "en": "The measures and their status (JSON)",
    },
    "public.data.measures_csv": {
        "fi": "Toimenpiteet ja niiden tila (CSV)",
        "sv": "Åtgärderna och deras status (CSV)",
        "en": "The measures and their status (CSV)",
    },
    "public.data.history_csv": {
        "fi": "Tilannepäivitykset ja suunnitelman muutokset (CSV)",
        "sv": "Lägesuppdateringar och ändringar i planen (CSV)",
        "en": "Status reports and changes to the plan (CSV)",
    },
    "public.data.columns": {
        "fi": "Sarakkeet (nimet pysyvät samoina): {columns}",
        "sv": "Kolumner (namnen förblir desamma): {columns}",
        "en": "Columns (the names stay the same): {columns}",
    },
    "public.data.polling": {
        "fi": "Tiedostoissa on ETag- ja Last-Modified-otsakkeet: ehdollinen pyyntö saa "
        "vastauksen 304, jos mikään ei ole muuttunut.",
        "sv": "Filerna har rubrikerna ETag och Last-Modified: en villkorlig begäran får svaret "
        "304 om inget har ändrats.",
        "en": "The files have ETag and Last-Modified headers: a conditional request is "
        "answered 304 when nothing has changed.",
    },
    # --- the accessibility statement (Act 306/2019, sections 15–17) ---
    "public.a11y.title": {
        "fi": "Saavutettavuusseloste",
        "sv": "Tillgänglighetsutlåtande",
        "en": "Accessibility statement",
    },
    "public.a11y.scope": {
        "fi": "Tämä seloste koskee digiohjelman julkista tilannesivua ja sen avointa dataa. "
        "Digitaalisten palvelujen tarjoamisesta annettu laki (306/2019) edellyttää, että "
        "julkiset verkkopalvelut ovat saavutettavia.",
        "sv": "Detta utlåtande gäller den offentliga lägesbilden över det digitala programmet "
        "och dess öppna data. Lagen om tillhandahållande av digitala tjänster (306/2019) "
        "kräver att offentliga webbtjänster är tillgängliga.",
        "en": "This statement covers the public progress page of the digital programme and "
        "its open data. The Act on the Provision of Digital Services (306/2019) requires "
        "public web services to be accessible.",
    },
    "public.a11y.status.title": {
        "fi": "Saavutettavuuden tila",
        "sv": "Tillgänglighetsstatus",
        "en": "Compliance status",
    },
    "public.a11y.status": {
        "fi": "Palvelu täyttää osittain WCAG 2.1 -ohjeiden A- ja AA-tason kriteerit. "
        "Puutteet on lueteltu alla. Sivut on tarkastettu automaattisella testauksella "
        "(axe-core) kaikilla kolmella kielellä sekä näppäimistöllä ja kapealla näytöllä.",
        "sv": "Tjänsten uppfyller delvis kriterierna på nivå A och AA i WCAG 2.1. Bristerna "
        "räknas upp nedan. Sidorna har granskats med automatisk testning (axe-core) på alla "
        "tre språk samt med tangentbord och på smal skärm.",
        "en": "The service partially meets the level A and AA criteria of WCAG 2.1. The "
        "shortcomings are listed below. The pages have been checked with automated testing "
        "(axe-core) in all three languages, with a keyboard and on a narrow screen.",
    },
    "public.a11y.gaps.title": {
        "fi": "Ei-saavutettava sisältö",
        "sv": "Innehåll som inte är tillgängligt",
        "en": "Non-accessible content",
    },
    "public.a11y.gap.language": {
        "fi": "Toimenpiteiden nimet, kuvaukset ja huomiot näytetään sillä kielellä, jolla ne "
        "on kirjattu ohjelmaan; niitä ei ole käännetty ruotsiksi tai englanniksi.",
        "sv": "Åtgärdernas namn, beskrivningar och anteckningar visas på det språk de har "
        "skrivits på i programmet; de har inte översatts till svenska eller engelska.",
        "en": "The measures' titles, descriptions and notes are shown in the language they "
        "were written in; they are not translated into Swedish or English.",
    },
    "public.a11y.gap.data": {
        "fi": "CSV- ja JSON-tiedostot ovat konekielistä aineistoa. Samat tiedot ovat "
        "saavutettavina verkkosivuina tilannekuvassa.",
        "sv": "CSV- och JSON-filerna är maskinläsbara data. Samma uppgifter finns som "
        "tillgängliga webbsidor i lägesbilden.",
        "en": "The CSV and JSON files are machine-readable data. The same information is on "
        "the accessible progress pages.",
    },
    "public.a11y.feedback.title": {
        "fi": "Palaute ja yhteystiedot",
        "sv": "Respons och kontaktuppgifter",
        "en": "Feedback and contact",
    },
    "public.a11y.feedback": {
        "fi": "Huomasitko saavutettavuuspuutteen? Kerro siitä meille, niin vastaamme "
        "viimeistään kahden viikon kuluessa:",
        "sv": "Har du hittat en tillgänglighetsbrist? Berätta det för oss, så svarar vi "
        "inom två veckor:",
        "en": "Did you find an accessibility problem? Tell us, and we will answer within two "
        "weeks:",
    },
    "public.a11y.feedback.unset": {
        "fi": "Palautekanavaa ei ole vielä asetettu (palvelun ylläpitäjä asettaa sen "
        "asetuksella DIGIBOT_ACCESSIBILITY_CONTACT). Anna siihen asti palaute kaupungin "
        "kirjaamoon.",
        "sv": "Någon kanal för respons har ännu inte angetts (tjänstens administratör anger "
        "den med inställningen DIGIBOT_ACCESSIBILITY_CONTACT). Ge till dess respons till "
        "stadens registratorskontor.",
        "en": "A feedback channel has not been set yet (the service's operator sets it with "
        "DIGIBOT_ACCESSIBILITY_CONTACT). Until then, send feedback to the city's registry.",
    },
    "public.a11y.enforcement.title": {
        "fi": "Valvontaviranomainen",
        "sv": "Tillsynsmyndighet",
        "en": "Enforcement procedure",
    },
    "public.a11y.enforcement": {
        "fi": "Jos huomaat sivustolla saavutettavuusongelmia, anna ensin palautetta meille. "
        "Jos et ole tyytyväinen saamaasi vastaukseen tai et saa vastausta lainkaan kahden "
        "viikon aikana, voit tehdä ilmoituksen valvontaviranomaiselle, Etelä-Suomen "
        "aluehallintovirastolle. Sen sivustolla kerrotaan, miten ilmoituksen voi tehdä ja "
        "miten asia käsitellään:",
        "sv": "Om du upptäcker tillgänglighetsproblem på webbplatsen, ge först respons till "
        "oss. Om du inte är nöjd med svaret eller inte får något svar inom två veckor, kan "
        "du göra en anmälan till tillsynsmyndigheten, Regionförvaltningsverket i Södra "
        "Finland. På dess webbplats står det hur du gör en anmälan och hur ärendet "
        "behandlas:",
        "en": "If you notice accessibility problems on the site, first give feedback to us. "
        "If you are not satisfied with the answer, or get no answer within two weeks, you "
        "can report it to the enforcement authority, the Regional State Administrative "
        "Agency for Southern Finland. Its website tells how to report and how the matter is "
        "handled:",
    },
}
