"""Word lists for the attribution checks (``ATT0xx``).

Everything here is general English news vocabulary and world geography; nothing is
taken from any particular story. Lists are frozensets of lower-case forms unless a
name says otherwise.
"""

from __future__ import annotations


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# ------------------------------------------------------------------ attribution cues

# Verbs that attribute words or views to a speaker, in all their inflected forms.
# Written out in full rather than generated: English inflection is too irregular
# ("said", "told", "wrote", "quipped") for a few rules to get right. The list is broad
# on purpose: ATT001 must not report a quote that has a speaker, so any verb that can
# introduce speech counts. Checks that need a firm citation use REPORTING_VERBS.
SPEECH_VERBS = _words(
    """
    say says said saying tell tells told telling state states stated stating
    add adds added adding note notes noted noting write writes wrote written writing
    ask asks asked asking explain explains explained explaining insist insists insisted insisting
    claim claims claimed claiming argue argues argued arguing declare declares declared declaring
    announce announces announced announcing remark remarks remarked remarking
    reply replies replied replying respond responds responded responding
    comment comments commented commenting continue continues continued
    recall recalls recalled recalling warn warns warned warning
    acknowledge acknowledges acknowledged acknowledging admit admits admitted admitting
    assert asserts asserted asserting observe observes observed observing
    tweet tweets tweeted tweeting post posts posted posting retweeted
    quip quips quipped quipping joke jokes joked joking suggest suggests suggested suggesting
    conclude concludes concluded concluding concede concedes conceded conceding
    contend contends contended contending maintain maintains maintained maintaining
    predict predicts predicted predicting promise promises promised promising
    vow vows vowed vowing urge urges urged urging describe describes described describing
    emphasize emphasizes emphasized emphasizing emphasise emphasises emphasised emphasising
    stress stresses stressed stressing reiterate reiterates reiterated reiterating
    mention mentions mentioned mentioning shout shouts shouted shouting yell yells yelled yelling
    scream screams screamed screaming whisper whispers whispered whispering
    exclaim exclaims exclaimed exclaiming cry cries cried testify testifies testified testifying
    confirm confirms confirmed confirming deny denies denied denying
    report reports reported reporting allege alleges alleged alleging
    complain complains complained complaining boast boasts boasted boasting
    agree agrees agreed agreeing disagree disagrees disagreed counter counters countered countering
    retort retorts retorted retorting lament laments lamented lamenting muse muses mused musing
    recount recounts recounted recounting repeat repeats repeated repeating
    caution cautions cautioned cautioning pledge pledges pledged pledging
    demand demands demanded demanding wonder wonders wondered wondering
    speculate speculates speculated speculating believe believes believed believing
    think thinks thought thinking call calls called calling quote quotes quoted quoting
    cite cites cited citing echo echoes echoed echoing interject interjects interjected
    opine opines opined opining proclaim proclaims proclaimed proclaiming
    mutter mutters muttered muttering plead pleads pleaded pleading concur concurs concurred
    highlight highlights highlighted highlighting underscore underscores underscored underscoring
    chant chants chanted chanting read reads
    criticize criticizes criticized criticizing criticise criticises criticised criticising
    slam slams slammed slamming blast blasts blasted blasting praise praises praised praising
    accuse accuses accused accusing mock mocks mocked mocking condemn condemns condemned
    defend defends defended defending dismiss dismisses dismissed dismissing tout touts touted
    hail hails hailed decry decries decried denounce denounces denounced attack attacks attacked
    chide chides chided scold scolds scolded rebuke rebukes rebuked thank thanks thanked
    apologize apologizes apologized apologise apologised tease teases teased brag brags bragged
    vent vents vented reflect reflects reflected implore implores implored beg begs begged
    challenge challenges challenged threaten threatens threatened swear swears swore sworn
    assure assures assured reassure reassures reassured inform informs informed
    advise advises advised remind reminds reminded pen pens penned texted emailed messaged
    blogged recited prayed sang sings surmise surmises surmised reason reasons reasoned
    ponder ponders pondered theorize theorizes theorized figure figures figured guess guesses guessed
    react reacts reacted rail rails railed fume fumes fumed snap snaps snapped sigh sighs sighed
    laugh laughs laughed gush gushes gushed rave raves raved grumble grumbles grumbled
    hit hits hitting summed summarized summarised
    offer offers offered offering elaborate elaborates elaborated clarify clarifies clarified
    answer answers answered question questions questioned remember remembers remembered
    recollect recollected lecture lectured pronounce pronounced chime chimes chimed bark barks
    barked pressed presses interrupt interrupts interrupted quiz quizzed grilled growled
    characterize characterized characterise characterised dub dubbed label labeled labelled
    """
)

# Phrasal cues: the first word and the words that must follow it.
PHRASAL_CUES: dict[str, tuple[str, ...]] = {
    "point": ("out",),
    "points": ("out",),
    "pointed": ("out",),
    "pointing": ("out",),
    "weighed": ("in",),
    "put": ("it",),
    "puts": ("it",),
}

# "according to X", "in the words of X", "quoted by X": the speaker follows.
PREPOSITIONAL_CUES: tuple[tuple[str, ...], ...] = (
    ("according", "to"),
    ("in", "the", "words", "of"),
    ("quoted", "by"),
    ("cited", "by"),
    ("per",),
)

# Claim verbs after a vague subject ("experts say", "critics argue"): speech verbs
# plus verbs of belief and expectation.
CLAIM_VERBS = SPEECH_VERBS | _words(
    """
    fear fears feared fearing
    estimate estimates estimated estimating
    expect expects expected expecting
    worry worry worries worried worrying
    feel feels felt feeling
    reckon reckons reckoned reckoning
    consider considers considered considering
    doubt doubts doubted doubting
    question questions questioned questioning
    indicate indicates indicated indicating
    stress note notes
    see sees saw seeing
    view views viewed viewing
    contend
    """
)

# The verbs that cite a source outright, as opposed to reporting a view or an action:
# a named speaker of one of these is a named source ("said Jane Doe").
REPORTING_VERBS = _words(
    """
    say says said tell tells told stated added noted wrote writes explained explains insisted
    insists argued argues asserted asserts acknowledged acknowledges warned warns cautioned
    recalled recalls replied responded commented contended contends concluded observed
    emphasized emphasised stressed claimed claims predicted suggested suggests described
    testified confirmed announced declared tweeted posted
    """
)

# Pronouns that can stand for the speaker of a quotation.
PERSON_PRONOUNS = _words("he she")
SPEAKER_PRONOUNS = _words("he she they we i it")

# Common nouns that can be the speaker of a quotation ("a spokesman said", "the
# statement said"). Singular and plural.
SOURCE_NOUNS = _words(
    """
    official officials spokesman spokesmen spokeswoman spokeswomen spokesperson spokespeople
    representative representatives statement statements report reports source sources aide
    aides adviser advisers advisor advisors minister ministers president presidents chairman
    chairwoman chair director directors chief chiefs leader leaders secretary senator senators
    governor governors mayor mayors lawmaker lawmakers legislator legislators candidate
    candidates campaign ambassador ambassadors envoy envoys expert experts analyst analysts
    professor professors researcher researchers scientist scientists economist economists
    witness witnesses resident residents police officer officers lawyer lawyers attorney
    attorneys judge judges prosecutor prosecutors investigator investigators man men woman women
    people person member members friend friends neighbour neighbours neighbor neighbors mother
    father son daughter wife husband brother sister student students teacher teachers worker
    workers employee employees owner owners executive executives manager managers founder
    doctor doctors nurse nurses voter voters supporter supporters critic critics opponent
    opponents ally allies agency ministry department government company group organization
    organisation office council committee court union party administration embassy team
    commission board authorities authority observer observers diplomat diplomats insider
    insiders commentator commentators historian historians activist activists organizer
    organizers organiser organisers chancellor premier king queen prince princess pope
    bishop priest coach player players fan fans victim victims survivor survivors host
    anchor moderator reporter reporters journalist journalists editor editors author writer
    poster letter memo email filing lawsuit complaint document documents release announcement
    tweet post message website newspaper paper study survey poll editorial column op-ed ad
    advertisement narrator caption headline banner sign placard billboard
    """
)

# Nouns for something said; with a possessor they attribute a quote ("Clinton's
# stock answer: “...”", "his reply was “...”").
SPEECH_NOUNS = _words(
    """
    answer answers reply replies response responses remark remarks comment comments statement
    statements words message tweet tweets post posts line lines quip retort refrain mantra
    motto slogan promise pledge claim claims warning explanation defense defence excuse
    advice argument assessment verdict view message speech testimony account version
    question questions admission confession plea vow
    """
)

# Words right before a quotation that make it a mention of a name or phrase, not
# something someone said ("the so-called “deal of the century”").
NAMING_WORDS = _words(
    """
    called dubbed titled entitled named nicknamed branded labeled labelled termed
    so-called term phrase word words slogan hashtag headline motto label banner sign
    show film movie book song album series program programme column article op-ed
    """
)
NAMING_PHRASES: tuple[tuple[str, ...], ...] = (("known", "as"), ("referred", "to", "as"))

# --------------------------------------------------------------------- vague sources

# Quantifiers and modifiers that may come before a vague source noun.
VAGUE_MODIFIERS = _words(
    """
    some many most several certain other few numerous various unnamed anonymous
    independent leading top senior international western foreign local outside
    political legal military industry market security health medical academic
    prominent influential skeptical sceptical concerned knowledgeable
    """
)
# Nouns that name a source without naming anyone.
VAGUE_SOURCE_NOUNS = _words(
    """
    experts analysts observers critics commentators pundits sources insiders consultants
    economists scientists researchers scholars historians academics strategists specialists
    advocates campaigners professionals practitioners
    watchers skeptics sceptics detractors supporters opponents officials
    people others some many most several
    """
)
# Vague sources that are too common as ordinary subjects to flag without a modifier:
# "officials said" is standard wire attribution to an unnamed official body, while
# "some officials said" is vague.
NEEDS_MODIFIER = _words("officials people supporters opponents scientists researchers")
# "it is believed", "it is widely thought", "it was reported".
HEARSAY_PARTICIPLES = _words(
    "believed said thought reported claimed rumored rumoured understood feared alleged "
    "suggested argued assumed expected"
)
# "there are reports that", "there is speculation".
HEARSAY_NOUNS = _words(
    "reports report rumors rumours claims speculation speculations suggestions whispers "
    "fears concerns indications"
)
# Adverbs allowed between a vague subject and its verb ("experts have long argued").
BRIDGE_WORDS = _words(
    "have has had also often widely generally largely broadly now still long increasingly "
    "privately publicly openly already repeatedly continue continued to will would may might "
    "could do did are were is"
)

# ---------------------------------------------------------------- names and people

# Titles and offices written before a name ("Secretary of State Antony Blinken").
TITLES = _words(
    """
    mr mrs ms miss dr prof professor sen senator rep representative gov governor gen general
    lt col colonel maj major capt captain sgt sergeant adm admiral cmdr commander
    st fr father rev reverend hon sir dame lord lady president vice prime minister
    secretary chancellor premier king queen prince princess pope cardinal bishop rabbi imam
    sheikh judge justice chief chairman chairwoman chair director ambassador envoy mayor
    deputy assistant spokesman spokeswoman speaker leader coach ceo cfo coo chief
    officer superintendent inspector detective commissioner attorney
    state defense defence foreign interior finance trade justice house senate
    """
)

# Nouns that, after a possessive name, show the name is a person's ("Smith's remarks").
PERSONAL_POSSESSIONS = _words(
    """
    assertion assertions remark remarks comment comments statement statements claim claims
    argument arguments view views position stance opinion opinions belief beliefs
    campaign candidacy nomination presidency tenure term wife husband son sons daughter
    daughters family father mother brother sister children parents spokesman spokeswoman
    spokesperson aide aides adviser advisers advisor advisors lawyer lawyers attorney attorneys
    supporters critics allies rival rivals opponent opponents speech speeches tweet tweets
    interview interviews testimony memoir book account recollection rhetoric words
    comments warning warnings promise promises pledge denial admission response reply
    accusation accusations allegation allegations insistence suggestion proposal victory
    defeat resignation death birth career life friend friends office home wealth
    """
)

# Plural and group nouns that begin sentences before a speech verb but are not
# surnames ("Officials said", "Democrats argued").
GROUP_WORDS = _words(
    """
    officials experts analysts critics observers residents witnesses police authorities
    prosecutors investigators researchers scientists doctors lawyers democrats republicans
    conservatives liberals progressives others some many both several few most everyone
    everybody nobody someone somebody all none voters supporters opponents protesters
    demonstrators activists organizers organisers sources insiders diplomats lawmakers
    legislators senators aides advisers workers employees students teachers parents
    neighbours neighbors locals economists historians scholars commentators reporters
    journalists officers troops soldiers rebels militants leaders members ministers
    democrat republican conservative liberal independent libertarian socialist communist
    progressive moderate tory labour green greens
    """
)

MONTHS = _words(
    "january february march april may june july august september october november december "
    "jan feb mar apr jun jul aug sep sept oct nov dec"
)
DAYS = _words(
    "monday tuesday wednesday thursday friday saturday sunday today yesterday tomorrow "
    "tonight mon tue tues wed thu thur thurs fri sat sun"
)

# Words that end an organisation's name ("Georgetown University", "Chrysler Corp").
ORGANISATION_WORDS = _words(
    """
    university college school institute institution center centre foundation association
    department ministry agency bureau office council committee commission board authority
    party union league federation society trust fund bank group company corp corporation
    inc ltd llc plc co holdings partners capital securities industries airlines airways
    motors systems technologies network times post news journal herald tribune gazette
    telegraph press television tv radio magazine daily weekly broadcasting channel
    court congress parliament senate assembly house embassy consulate army navy force forces
    guard police hospital clinic church club team administration government republic
    kingdom state states province region city county district
    """
)

# Ordinary words that start sentences and headings capitalised; never names.
COMMON_CAPITALISED = _words(
    """
    the a an and but or nor so yet for of in on at to by with from as into onto upon about
    above below after before since until while when where why how what who whom whose which
    that this these those there here it its he she they we i you his her their our my your
    despite although though however meanwhile moreover furthermore nevertheless nonetheless
    also still then now thus hence instead indeed rather even only just perhaps maybe
    if unless whether because amid amidst among between during without within against
    like unlike according regarding following including except besides beyond toward towards
    over under through across along around behind beside near per via
    some many most all any each every both either neither no not none one two three
    several few other others another such much more less least first last next new
    yes oh well please thanks
    having being asked told given based speaking adding noting saying according
    """
)

# ----------------------------------------------------------------- world geography

# Countries, capitals, US states and large cities: names that take a possessive or a
# speech verb as often as people do ("Beijing's silence", "Moscow said").
PLACES = frozenset(
    name.lower()
    for name in """
    Afghanistan Albania Algeria Andorra Angola Argentina Armenia Australia Austria Azerbaijan
    Bahamas Bahrain Bangladesh Barbados Belarus Belgium Belize Benin Bhutan Bolivia Bosnia
    Botswana Brazil Brunei Bulgaria Burkina Burundi Cambodia Cameroon Canada Chad Chile China
    Colombia Comoros Congo Croatia Cuba Cyprus Czechia Denmark Djibouti Dominica Ecuador Egypt
    Eritrea Estonia Eswatini Ethiopia Fiji Finland France Gabon Gambia Georgia Germany Ghana
    Greece Grenada Guatemala Guinea Guyana Haiti Honduras Hungary Iceland India Indonesia Iran
    Iraq Ireland Israel Italy Jamaica Japan Jordan Kazakhstan Kenya Kiribati Korea Kosovo Kuwait
    Kyrgyzstan Laos Latvia Lebanon Lesotho Liberia Libya Liechtenstein Lithuania Luxembourg
    Madagascar Malawi Malaysia Maldives Mali Malta Mauritania Mauritius Mexico Micronesia Moldova
    Monaco Mongolia Montenegro Morocco Mozambique Myanmar Burma Namibia Nauru Nepal Netherlands
    Holland Nicaragua Niger Nigeria Norway Oman Pakistan Palau Palestine Panama Paraguay Peru
    Philippines Poland Portugal Qatar Romania Russia Rwanda Samoa Senegal Serbia Seychelles
    Singapore Slovakia Slovenia Somalia Spain Sudan Suriname Sweden Switzerland Syria Taiwan
    Tajikistan Tanzania Thailand Togo Tonga Trinidad Tunisia Turkey Turkiye Turkmenistan Tuvalu
    Uganda Ukraine Uruguay Uzbekistan Vanuatu Vatican Venezuela Vietnam Yemen Zambia Zimbabwe
    America Britain England Scotland Wales Europe Asia Africa Antarctica Oceania Arctic
    Yugoslavia Czechoslovakia Soviet Zaire Rhodesia Ceylon Siam Persia Prussia Ulster Flanders
    Wallonia Catalonia Bavaria Quebec Ontario Alberta Manitoba Saskatchewan Labrador Yukon
    Liverpool Manchester Birmingham Leeds Glasgow Edinburgh Belfast Cardiff Bristol Sheffield
    Kabul Tirana Algiers Luanda Yerevan Canberra Vienna Baku Manama Dhaka Minsk Brussels Sofia
    Ottawa Santiago Beijing Bogota Havana Nicosia Prague Copenhagen Cairo Tallinn Helsinki Paris
    Tbilisi Berlin Accra Athens Budapest Reykjavik Delhi Jakarta Tehran Baghdad Dublin Jerusalem
    Rome Tokyo Amman Astana Nairobi Pristina Bishkek Vientiane Riga Beirut Tripoli Vilnius
    Kuala Lumpur Valletta Mexico Chisinau Ulaanbaatar Podgorica Rabat Maputo Naypyidaw Yangon
    Kathmandu Amsterdam Hague Wellington Managua Niamey Abuja Lagos Pyongyang Skopje Oslo Muscat
    Islamabad Karachi Lahore Manila Warsaw Lisbon Doha Bucharest Moscow Kigali Riyadh Dakar
    Belgrade Bratislava Ljubljana Mogadishu Pretoria Johannesburg Seoul Juba Madrid Khartoum
    Stockholm Bern Geneva Zurich Damascus Taipei Dushanbe Dodoma Bangkok Tunis Ankara Istanbul
    Ashgabat Kampala Kyiv Kiev Abu Dhabi Dubai London Washington Montevideo Tashkent Caracas
    Hanoi Sanaa Lusaka Harare Shanghai Hong Kong Macau Mumbai Bangalore Kolkata Chennai Osaka
    Kyoto Busan Incheon Sydney Melbourne Brisbane Perth Auckland Toronto Montreal Vancouver
    Chicago Boston Houston Dallas Atlanta Miami Seattle Denver Phoenix Detroit Philadelphia
    Baltimore Cleveland Pittsburgh Austin Nashville Memphis Orleans Vegas Angeles Francisco
    Diego Brooklyn Manhattan Queens Bronx Milan Naples Turin Venice Florence Munich Hamburg
    Frankfurt Cologne Barcelona Seville Valencia Lyon Marseille Nice Kharkiv Odesa Odessa
    Lviv Donetsk Luhansk Crimea Kursk Gaza Ramallah Tel Aviv Haifa Aleppo Mosul Basra Kandahar
    Benghazi Alexandria Casablanca Marrakech Cape Town Durban Mombasa Addis Ababa Kinshasa
    Alabama Alaska Arizona Arkansas California Colorado Connecticut Delaware Florida Hawaii
    Idaho Illinois Indiana Iowa Kansas Kentucky Louisiana Maine Maryland Massachusetts
    Michigan Minnesota Mississippi Missouri Montana Nebraska Nevada Hampshire Jersey Carolina
    Dakota Ohio Oklahoma Oregon Pennsylvania Rhode Tennessee Texas Utah Vermont Virginia
    Wisconsin Wyoming York Hokkaido Okinawa Tibet Xinjiang Guangdong Sichuan Liaoning Hainan
    Kashmir Punjab Bengal Kurdistan Siberia Chechnya Donbas Balkans Caucasus Caribbean Pacific
    Atlantic Mediterranean Baltic Gulf Sahara Sahel Nile Yangtze Danube Himalayas Alps
    Kremlin Pentagon Capitol Downing Whitehall Brussels Westminster Elysee Quai
    """.split()
)

# People as common nouns: an antecedent for "he" or "she" ("a spokesman ... he said").
PERSON_NOUNS = _words(
    """
    man woman boy girl person spokesman spokeswoman spokesperson official representative
    aide adviser advisor minister president chairman chairwoman director chief leader
    secretary senator governor mayor lawmaker legislator candidate ambassador envoy expert
    analyst professor researcher scientist economist witness resident officer lawyer
    attorney judge prosecutor investigator member friend neighbour neighbor mother father
    son daughter wife husband brother sister student teacher worker employee owner
    executive manager founder doctor nurse voter supporter critic opponent diplomat
    activist organizer organiser chancellor premier king queen prince princess pope bishop
    priest coach player fan victim survivor host anchor reporter journalist editor author
    writer commander general soldier suspect defendant plaintiff actor actress singer
    head chief deputy nominee contender rival challenger incumbent speaker chair staffer
    strategist pollster consultant donor billionaire businessman businesswoman mogul veteran
    user commenter reader viewer listener caller designer source banker trader dealer broker
    investor farmer economist entrepreneur
    """
)

# Connectors inside a name ("Bank of America", "Ludwig van Beethoven").
NAME_CONNECTORS = _words("of de van von bin ibn al da der la le du del di dos das y")

# Abbreviations that end in a full stop inside a name ("Mr. Smith", "John F. Kennedy").
NAME_ABBREVIATIONS = _words("mr mrs ms dr prof sen rep gov gen lt col maj capt sgt adm cmdr st fr rev hon jr sr")

# Words between a surname and its speech verb ("Smith also said", "Smith has argued").
VERB_BRIDGE = _words(
    "also later then has had have previously again additionally further once repeatedly "
    "recently separately subsequently earlier first last finally then quickly publicly "
    "privately will would could may might did does"
)

# Common nouns that stand before an organisation's bare name ("the newspaper
# Haaretz", "the tech site Pando", "the oil company Ecopetrol").
ORGANISATION_DESCRIPTORS = _words(
    """
    newspaper newspapers company companies firm firms website site network channel magazine
    agency group bank maker manufacturer retailer carrier airline startup outlet publication
    daily tabloid broadcaster station studio publisher platform app service giant
    conglomerate chain brand label insurer lender operator developer producer pollster
    organization organisation charity nonprofit union party
    """
)
