"""PLOVER event ontology as plain Python data.

Source: PLOVER, "Political Language Ontology for Verifiable Event Records", Open Event
Data Alliance (OEDA), https://github.com/openeventdata/PLOVER (codebook ``PLOVER_MANUAL.tex``
and ``README.md``). Licensed CC BY-SA 4.0 by the OEDA; the descriptions below are
paraphrases, not quotations.

The taxonomy has three levels, each row pointing at its parent:

1. Quad categories (parent ``None``): the 2x2 of verbal/material x cooperation/conflict
   that PLOVER keeps from CAMEO (quad codes 1-4).
2. Event types (parent is a quad category): PLOVER's top-level categories, each the
   successor of a CAMEO two-digit "cue category". Codes are the lowercase PLOVER name.
3. Modes (parent is an event type, code ``<type>.<mode>``): the optional ``mode`` field,
   i.e. *how* the event happened (for THREATEN: what was threatened). Modes replace most of
   CAMEO's 3- and 4-digit sub-codes. PLOVER's third field, ``context`` (the *why*, e.g.
   military, economic, election), applies to any type and is not modelled here.

Versions read: manual DRAFT 2.0 (latest, the source of most modes), 0.8, 0.7b1 and
0.6b2, plus the README. The 19 event types and their quad assignment follow the README
(which matches the 0.6b2 manual plus FIGHT). Manual 2.0 consolidates these into 16 types:
DEMAND is renamed REQUEST, DISAPPROVE and INVESTIGATE merge into ACCUSE, CAMEO 19 FIGHT is
folded into ASSAULT, and CRIME is dropped in favour of crime contexts. Where a type was
renamed or merged, its modes are taken from its 2.0 successor (DISAPPROVE gets ACCUSE's
'disapprove' and 'allege'; ACCUSE 'investigate' is the INVESTIGATE type itself). CRIME modes
come from 0.6b2, AID modes from the draft table in 0.7b1, and FIGHT's only mode from 2.0's
CAMEO-to-PLOVER note. Types with no mode table in any version (AGREE, SUPPORT, CONCEDE,
COOPERATE, INVESTIGATE) have no modes. Manual 2.0's section text puts SANCTION in material
conflict, but its quad table and the README put it in verbal conflict, which is used here.

Databases get the vocabulary from a data migration that reads a frozen copy of it
(``as_document()`` written to a JSON file beside the migration), never this module: an
old migration keeps loading what it loaded when it was written.
"""

from __future__ import annotations

from typing import Any

PLOVER_VERSION = "2.0"  # manual DRAFT version read (openeventdata/PLOVER, PLOVER_MANUAL.tex)
PLOVER_SOURCE = "https://github.com/openeventdata/PLOVER"

# (code, label, parent_code or None, description)
EVENT_TYPES: tuple[tuple[str, str, str | None, str], ...] = (
    # ------------------------------------------------------------------ quad categories
    (
        "verbal-cooperation",
        "Verbal cooperation",
        None,
        "PLOVER quad category: verbal cooperation (quad code 1). Cooperative statements, "
        "meetings and diplomatic backing that involve no transfer of material resources. "
        "Types: AGREE, CONSULT, SUPPORT, CONCEDE.",
    ),
    (
        "material-cooperation",
        "Material cooperation",
        None,
        "PLOVER quad category: material cooperation (quad code 2). Cooperative acts with "
        "tangible consequences. Types: COOPERATE, AID, RETREAT, INVESTIGATE.",
    ),
    (
        "verbal-conflict",
        "Verbal conflict",
        None,
        "PLOVER quad category: verbal conflict (quad code 3). Demands, criticism, refusals, "
        "threats and reductions of relations. Types: DEMAND, DISAPPROVE, REJECT, THREATEN, "
        "SANCTION.",
    ),
    (
        "material-conflict",
        "Material conflict",
        None,
        "PLOVER quad category: material conflict (quad code 4). Physical, coercive or violent "
        "conflictual acts. Types: PROTEST, CRIME, MOBILIZE, COERCE, ASSAULT, FIGHT.",
    ),
    # ------------------------------------------------------------- verbal cooperation
    (
        "agree",
        "Agree",
        "verbal-cooperation",
        "Agreeing to, offering, promising or otherwise signalling willingness or commitment "
        "to cooperate, including promises to sign or ratify agreements. Cooperative actions "
        "reported in the future tense (e.g. an announced future visit or aid) also count as "
        "AGREE. CAMEO 03. No modes.",
    ),
    (
        "consult",
        "Consult",
        "verbal-cooperation",
        "Consultations and meetings of any kind: visiting or hosting a visit, meeting at a "
        "neutral venue, or talking by phone or other media (talks, discussions, "
        "negotiations). When one side visits, the visitor is the actor and the host the "
        "recipient. CAMEO 04.",
    ),
    (
        "consult.visit",
        "Consult: visit",
        "consult",
        "The actor travels to meet the recipient, who hosts the meeting.",
    ),
    (
        "consult.third-party",
        "Consult: third-party",
        "consult",
        "The meeting is hosted by a third party, i.e. held at a neutral location.",
    ),
    (
        "consult.multilateral",
        "Consult: multilateral",
        "consult",
        "The meeting takes place in a multilateral setting, typically an alliance or "
        "intergovernmental organisation (e.g. a summit).",
    ),
    (
        "consult.phone",
        "Consult: phone",
        "consult",
        "Consultation held by telephone or another remote medium.",
    ),
    (
        "support",
        "Support",
        "verbal-cooperation",
        "Verbal, non-material cooperation: starting, resuming or expanding diplomatic "
        "cooperation; praising or endorsing a policy, action or actor; recognising a new "
        "state or government; establishing diplomatic ties; ratifying, signing or finalising "
        "an agreement or treaty. CAMEO 05. No modes.",
    ),
    (
        "concede",
        "Concede",
        "verbal-cooperation",
        "Verbal concessions without immediate material effect: promised easing of legal or "
        "administrative restrictions, lifting curfews, suspending protests, pardons and "
        "amnesties, expressions of regret, and declared (not yet implemented) ceasefires or "
        "withdrawals. CAMEO 081-083. No modes.",
    ),
    # ----------------------------------------------------------- material cooperation
    (
        "cooperate",
        "Cooperate",
        "material-cooperation",
        "Starting, resuming or expanding mutual material cooperation that benefits both "
        "sides: economic exchange, military exchanges such as joint exercises and manoeuvres, "
        "judicial cooperation such as extradition, and intelligence sharing. CAMEO 06. No "
        "modes; the manual qualifies it with contexts such as 'military'.",
    ),
    (
        "aid",
        "Aid",
        "material-cooperation",
        "Provision of material aid whose benefits mainly go to the recipient: money, loans "
        "and credit, military or police assistance, humanitarian relief, and asylum. CAMEO 07.",
    ),
    (
        "aid.economic",
        "Aid: economic",
        "aid",
        "Economic aid such as loans or grants (draft mode table, manual 0.7b1).",
    ),
    (
        "aid.military",
        "Aid: military",
        "aid",
        "Military aid, e.g. arms or personnel (draft mode table, manual 0.7b1).",
    ),
    (
        "aid.humanitarian",
        "Aid: humanitarian",
        "aid",
        "Humanitarian or emergency aid (draft mode table, manual 0.7b1).",
    ),
    (
        "aid.asylum",
        "Aid: asylum",
        "aid",
        "Granting territorial or diplomatic asylum (draft mode table, manual 0.7b1).",
    ),
    (
        "retreat",
        "Retreat",
        "material-cooperation",
        "Yielding acts with immediate material consequences: releasing prisoners or "
        "hostages, returning property, admitting observers or aid workers, disarming, "
        "observing a ceasefire, pulling back from or ceding territory, or an official "
        "resigning. CAMEO 084-087.",
    ),
    (
        "retreat.withdraw",
        "Retreat: withdraw",
        "retreat",
        "Retreating from territory or pulling forces out of an area.",
    ),
    (
        "retreat.release",
        "Retreat: release",
        "retreat",
        "Freeing captives such as prisoners or hostages.",
    ),
    (
        "retreat.disarm",
        "Retreat: disarm",
        "retreat",
        "Disarming militarily or giving up weapons.",
    ),
    (
        "retreat.ceasefire",
        "Retreat: ceasefire",
        "retreat",
        "Putting a ceasefire into effect.",
    ),
    (
        "retreat.access",
        "Retreat: access",
        "retreat",
        "Letting a third party in, such as observers, peacekeepers or humanitarian workers.",
    ),
    (
        "retreat.resign",
        "Retreat: resign",
        "retreat",
        "An official resigning from office.",
    ),
    (
        "investigate",
        "Investigate",
        "material-cooperation",
        "Investigations of any kind, including of past cases: probes into crime and "
        "corruption, human rights abuses, war crimes, or military actions such as ceasefire "
        "violations, seizures and invasions. CAMEO 09. No modes (manual 2.0 folds it into "
        "ACCUSE as the 'investigate' mode).",
    ),
    # ---------------------------------------------------------------- verbal conflict
    (
        "demand",
        "Demand",
        "verbal-conflict",
        "Demands and orders: more forceful than a request but short of a threat, and always "
        "verbal; demands voiced through demonstrations are PROTEST. CAMEO 10 (renamed "
        "REQUEST in manual 2.0, with the same modes, shared with REJECT).",
    ),
    (
        "demand.assist",
        "Demand: assist",
        "demand",
        "Demand for exchange, relations or assistance of any kind.",
    ),
    (
        "demand.change",
        "Demand: change",
        "demand",
        "Demand for a change of policy, government or institutions that is not a concession, "
        "including calls to dismiss officials.",
    ),
    (
        "demand.yield",
        "Demand: yield",
        "demand",
        "Demand to yield: free prisoners, end sanctions, ease curfews or boycotts, or agree "
        "a ceasefire.",
    ),
    (
        "demand.meet",
        "Demand: meet",
        "demand",
        "Demand to hold meetings or negotiations.",
    ),
    (
        "disapprove",
        "Disapprove",
        "verbal-conflict",
        "Expressions of disapproval: objecting, complaining, criticising, condemning or "
        "denouncing a policy, action or actor, and accusing, suing or charging someone. "
        "CAMEO 11 (merged with INVESTIGATE into ACCUSE in manual 2.0).",
    ),
    (
        "disapprove.disapprove",
        "Disapprove: disapprove",
        "disapprove",
        "Criticising, condemning or complaining, including diplomatic protests and "
        "summoning an ambassador to complain (ACCUSE 'disapprove' in manual 2.0).",
    ),
    (
        "disapprove.allege",
        "Disapprove: allege",
        "disapprove",
        "Accusing formally or informally; suing, indicting or charging; bringing to trial "
        "(ACCUSE 'allege' in manual 2.0).",
    ),
    (
        "reject",
        "Reject",
        "verbal-conflict",
        "Rejections and refusals: declining cooperation, aid, reform, leadership change, "
        "release of persons, talks, mediation or peace proposals; defying laws or norms; "
        "vetoes. Cutting existing ties or aid is SANCTION instead. CAMEO 12.",
    ),
    (
        "reject.assist",
        "Reject: assist",
        "reject",
        "Refusal of exchange, relations or assistance of any kind.",
    ),
    (
        "reject.change",
        "Reject: change",
        "reject",
        "Refusal to change policy, government or institutions.",
    ),
    (
        "reject.yield",
        "Reject: yield",
        "reject",
        "Refusal to yield: to free prisoners, end sanctions, ease curfews or boycotts, or "
        "accept a ceasefire.",
    ),
    (
        "reject.meet",
        "Reject: meet",
        "reject",
        "Refusal to meet, negotiate or accept mediation, including cancelling meetings.",
    ),
    (
        "threaten",
        "Threaten",
        "verbal-conflict",
        "Threats and coercive warnings carrying serious potential repercussions, including "
        "ultimatums; usually verbal, apart from purely symbolic acts. The mode records what "
        "is threatened, not how. CAMEO 13.",
    ),
    (
        "threaten.restrict",
        "Threaten: restrict",
        "threaten",
        "Threat to restrict movement of people or goods (boycotts, strikes, blockades, "
        "curfews) or to ban the political activity of parties or individuals.",
    ),
    (
        "threaten.arrest",
        "Threaten: arrest",
        "threaten",
        "Threat to arrest, detain or imprison, including arrest warrants issued in absentia.",
    ),
    (
        "threaten.relations",
        "Threaten: relations",
        "threaten",
        "Threat to suspend relations or ongoing talks, meetings or negotiations.",
    ),
    (
        "threaten.expel",
        "Threaten: expel",
        "threaten",
        "Threat to expel diplomats, peacekeepers or NGOs.",
    ),
    (
        "threaten.territory",
        "Threaten: territory",
        "threaten",
        "Threat to occupy or seize control of all or part of a territory.",
    ),
    (
        "threaten.violence",
        "Threaten: violence",
        "threaten",
        "Threat to use violence.",
    ),
    (
        "sanction",
        "Sanction",
        "verbal-conflict",
        "Reductions of existing, routine or cooperative relations (WEIS/CAMEO 'reduce "
        "relations'), not only formal sanctions: cutting diplomatic, economic or aid ties, "
        "expulsions, withdrawals and court convictions. CAMEO 16.",
    ),
    (
        "sanction.convict",
        "Sanction: convict",
        "sanction",
        "Finding an entity or act guilty, liable or unconstitutional in a court or legal "
        "tribunal, including court-ordered penalties.",
    ),
    (
        "sanction.expel",
        "Sanction: expel",
        "sanction",
        "Expelling an entity from a group, organisation, party or country, including "
        "ambassadors; deportations of individuals are COERCE.",
    ),
    (
        "sanction.withdraw",
        "Sanction: withdraw",
        "sanction",
        "Withdrawing oneself or non-military resources (aid, observers, diplomats, "
        "peacekeepers) from a group, mediation, organisation or country.",
    ),
    (
        "sanction.discontinue",
        "Sanction: discontinue",
        "sanction",
        "Curtailing, reducing, breaking off or ending diplomatic, commercial or material "
        "exchanges, including imposing international sanctions.",
    ),
    # -------------------------------------------------------------- material conflict
    (
        "protest",
        "Protest",
        "material-conflict",
        "Civilian demonstrations and other collective action against a recipient: rallies, "
        "riots, strikes, boycotts and blockades involving real physical activity (diplomatic "
        "or online protests are DISAPPROVE). CAMEO 14.",
    ),
    (
        "protest.demo",
        "Protest: demo",
        "protest",
        "Organised, continuous and largely peaceful demonstration aimed at another group or "
        "the authorities.",
    ),
    (
        "protest.riot",
        "Protest: riot",
        "protest",
        "Violent riot whose participants intend to cause injury or property damage.",
    ),
    (
        "protest.strike",
        "Protest: strike",
        "protest",
        "Workers abandoning their workplaces, within one sector or across sectors.",
    ),
    (
        "protest.hunger",
        "Protest: hunger",
        "protest",
        "Hunger strike.",
    ),
    (
        "protest.boycott",
        "Protest: boycott",
        "protest",
        "Boycotting an activity, person, country or organisation by withdrawing commercial "
        "or social ties.",
    ),
    (
        "protest.obstruct",
        "Protest: obstruct",
        "protest",
        "Blocking passage through, or access to, a place.",
    ),
    (
        "protest.vandalize",
        "Protest: vandalize",
        "protest",
        "Damaging or destroying property as a symbolic protest act, not incidentally in a riot.",
    ),
    (
        "crime",
        "Crime",
        "material-conflict",
        "Non-political acts treated as crimes where they occur; not civil disobedience or "
        "revolt. No CAMEO equivalent. Defined in manual 0.6b2 (source of these modes); later "
        "versions drop the type in favour of crime contexts and the CRM actor sector.",
    ),
    ("crime.murder", "Crime: murder", "crime", "Murder."),
    ("crime.assault", "Crime: assault", "crime", "Criminal assault."),
    ("crime.sex-violence", "Crime: sex-violence", "crime", "Sexual violence."),
    (
        "crime.sex-work",
        "Crime: sex-work",
        "crime",
        "Illegal provision of sexual services for money or goods.",
    ),
    (
        "crime.theft",
        "Crime: theft",
        "crime",
        "Theft, robbery and burglary, including vehicle theft.",
    ),
    ("crime.kidnap", "Crime: kidnap", "crime", "Kidnapping and hijacking."),
    (
        "crime.narcotics",
        "Crime: narcotics",
        "crime",
        "Drug crime: production, transport and sale of narcotics.",
    ),
    ("crime.smuggling", "Crime: smuggling", "crime", "Smuggling of goods or property."),
    ("crime.trafficking", "Crime: trafficking", "crime", "Smuggling or trafficking of people."),
    (
        "crime.trespass",
        "Crime: trespass",
        "crime",
        "Trespass, and illegal mining, logging or fishing.",
    ),
    ("crime.arson", "Crime: arson", "crime", "Arson."),
    (
        "crime.vandalism",
        "Crime: vandalism",
        "crime",
        "Vandalism and other destruction of property.",
    ),
    ("crime.extortion", "Crime: extortion", "crime", "Extortion."),
    (
        "crime.corruption",
        "Crime: corruption",
        "crime",
        "Bribery and other corruption of officials.",
    ),
    (
        "crime.financial",
        "Crime: financial",
        "crime",
        "Financial crime: money laundering, tax evasion, insider trading, embezzlement.",
    ),
    ("crime.cyber", "Crime: cyber", "crime", "Cyber-crime."),
    ("crime.war", "Crime: war", "crime", "War crimes."),
    (
        "mobilize",
        "Mobilize",
        "material-conflict",
        "Military, police or militia moves short of the actual use of force, such as "
        "deployments, raised alert levels and single-country exercises, that display "
        "capability and readiness. Joint exercises are COOPERATE. CAMEO 15.",
    ),
    (
        "mobilize.troops",
        "Mobilize: troops",
        "mobilize",
        "Mobilising armed personnel or units.",
    ),
    (
        "mobilize.weapons",
        "Mobilize: weapons",
        "mobilize",
        "Raising the readiness of weapons systems, ships or vehicles (can occur with a cyber "
        "context).",
    ),
    (
        "mobilize.police",
        "Mobilize: police",
        "mobilize",
        "Mobilising, or raising the readiness of, police or security units.",
    ),
    (
        "mobilize.militia",
        "Mobilize: militia",
        "mobilize",
        "Mobilising, or raising the readiness of, any non-state group with significant "
        "military capability.",
    ),
    (
        "coerce",
        "Coerce",
        "material-conflict",
        "Repression, restrictions on rights and other coercive uses of power short of "
        "violence, e.g. arrests, raids, curfews, censorship, deportations, states of "
        "emergency, shutting off services. CAMEO 17.",
    ),
    (
        "coerce.seize",
        "Coerce: seize",
        "coerce",
        "Searches, raids and confiscation of property.",
    ),
    (
        "coerce.restrict",
        "Coerce: restrict",
        "coerce",
        "Restricting political freedoms or movement, including cordoning off areas and "
        "banning people or organisations from political life.",
    ),
    (
        "coerce.censor",
        "Coerce: censor",
        "coerce",
        "Censoring, banning or restricting access to publications or other information.",
    ),
    ("coerce.curfew", "Coerce: curfew", "coerce", "Imposing a curfew."),
    (
        "coerce.martial-law",
        "Coerce: martial-law",
        "coerce",
        "Declaring a state of emergency or martial law.",
    ),
    ("coerce.arrest", "Coerce: arrest", "coerce", "Arresting or detaining people."),
    ("coerce.deport", "Coerce: deport", "coerce", "Expelling or deporting individuals."),
    (
        "coerce.withhold",
        "Coerce: withhold",
        "coerce",
        "Withholding public goods or services, e.g. cutting power, internet or water, or "
        "blocking food or medical supplies.",
    ),
    (
        "coerce.misinformation",
        "Coerce: misinformation",
        "coerce",
        "Deception, manipulation or misinformation campaigns.",
    ),
    (
        "coerce.cyber",
        "Coerce: cyber",
        "coerce",
        "Cyber attacks such as hacking, security breaches or attacks on websites.",
    ),
    (
        "assault",
        "Assault",
        "material-conflict",
        "Deliberate actions that can cause substantial physical harm, from beatings and "
        "abductions to bombings and air strikes. CAMEO 18; manual 2.0 also folds CAMEO 19 "
        "FIGHT into this type, so its weapon modes cover military attacks too.",
    ),
    (
        "assault.abduct",
        "Assault: abduct",
        "assault",
        "Abduction, kidnapping or hijacking, including capturing combatants.",
    ),
    (
        "assault.beat",
        "Assault: beat",
        "assault",
        "Physical beating with one-off or repeated blows, by hand or with a blunt instrument.",
    ),
    ("assault.torture", "Assault: torture", "assault", "Torture."),
    ("assault.sexual", "Assault: sexual", "assault", "Sexual violence."),
    (
        "assault.targeted",
        "Assault: targeted",
        "assault",
        "Targeted killings: assassinations (successful or attempted), executions, and "
        "deliberate mass killing of defenceless people such as civilians or prisoners.",
    ),
    (
        "assault.destroy",
        "Assault: destroy",
        "assault",
        "Intentional destruction of property or infrastructure, or destruction by an unknown "
        "method.",
    ),
    (
        "assault.primitive",
        "Assault: primitive",
        "assault",
        "Primitive weapons: fire, blades, rocks, farm tools.",
    ),
    (
        "assault.firearms",
        "Assault: firearms",
        "assault",
        "Rifles, pistols and light machine guns.",
    ),
    (
        "assault.explosives",
        "Assault: explosives",
        "assault",
        "Explosives not delivered by heavy weapons: mines, IEDs, car bombs.",
    ),
    (
        "assault.suicide-attack",
        "Assault: suicide-attack",
        "assault",
        "Suicide attacks by individuals or vehicles.",
    ),
    (
        "assault.aerial",
        "Assault: aerial",
        "assault",
        "Attacks by manned aircraft such as planes or helicopters.",
    ),
    (
        "assault.drone",
        "Assault: drone",
        "assault",
        "Attacks by unmanned aerial vehicles (drones).",
    ),
    (
        "assault.heavy-weapons",
        "Assault: heavy-weapons",
        "assault",
        "Artillery, rocket launchers, armoured vehicles, tanks and similar heavy weapons.",
    ),
    (
        "assault.crowd-control",
        "Assault: crowd-control",
        "assault",
        "Less-lethal crowd-control weapons and tactics: tear gas, water cannon, firing into "
        "the air, baton charges.",
    ),
    (
        "assault.unconventional",
        "Assault: unconventional",
        "assault",
        "Chemical, biological, radiological or nuclear weapons.",
    ),
    (
        "fight",
        "Fight",
        "material-conflict",
        "Organised armed combat with conventional or unconventional military force: CAMEO "
        "19 (fight) and 20 (unconventional mass violence) per the README. Manual 2.0 folds "
        "CAMEO 19 into ASSAULT, whose weapon modes (aerial, drone, heavy-weapons) apply.",
    ),
    (
        "fight.unconventional",
        "Fight: unconventional",
        "fight",
        "Mass violence with chemical, biological, radiological or nuclear weapons; the "
        "manual's CAMEO-to-PLOVER note sets this mode on FIGHT records.",
    ),
)


def as_document() -> dict[str, Any]:
    """The vocabulary as a JSON-ready document, the form a data migration freezes: the
    PLOVER version it follows, and the terms in EVENT_TYPES order (every parent before
    its children, so a loader can resolve parents as it goes)."""
    return {
        "plover_version": PLOVER_VERSION,
        "source": PLOVER_SOURCE,
        "event_types": [
            {"code": code, "label": label, "parent": parent, "description": description}
            for code, label, parent, description in EVENT_TYPES
        ],
    }
