package refine

import "strings"

// The word lists of CheckPair's heuristics. All are lower case; words are split at
// apostrophes ("author's" is "author", "s"; "I'd" is "i", "d").

func set(words string) map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(words) {
		m[w] = true
	}
	return m
}

// requestWords open a request or a question: imperatives a user types to an assistant,
// question words and auxiliaries.
var requestWords = set(`
	write explain describe tell list give summarize summarise compose create provide translate
	discuss compare contrast share suggest outline draft prepare recommend help please name define
	identify analyze analyse evaluate develop design implement generate make plan propose imagine
	pretend act suppose consider find solve calculate compute prove show teach advise argue
	rewrite edit paraphrase convert classify categorize categorise brainstorm craft construct
	produce report narrate recount present introduce review assess critique offer use illustrate
	elaborate clarify detail walk sketch inform rank choose pick select predict estimate justify
	debate reflect express structure embody embrace picture assume answer respond reply state
	highlight emphasize emphasise examine explore investigate interpret demonstrate recall remind
	guide instruct play take put keep say speak talk recite invent devise formulate organize
	organise arrange sort count determine decide check verify test fix correct improve expand
	shorten simplify condense continue complete fill build code program paint depict portray
	characterize characterise relate trace map cite mention note point enumerate specify
	break go look think tally extract return convince persuade encourage motivate celebrate
	praise thank invite announce warn
	how what why when where who whom whose which whether
	can could would should will shall may might must
	is are was were am do does did have has had
`)

// englishWords are common English words that are not in requestWords: function words,
// the nouns and adjectives of requests, and the names of the pipeline's languages in
// English. An instruction in a target language has almost none of them.
var englishWords = set(`
	a an the this that these those there here it its they them their he him his she her we us
	our you your i me my mine one ones someone something anyone anything everyone everything
	of in on at to for from with without by about into onto over under after before between
	among through during against across around behind beyond within along toward towards upon
	and or but nor so yet if than then because while although though since unless until
	as like not no yes all any some each every few many much more most less least other another
	such same own only also very too just even still again ever never always often sometimes
	both either neither per via up down out off away back well
	be been being get gets got let lets know need want like
	s t d ll ve re m don doesn didn isn aren wasn weren won
	new old good best better great main key important different common short long brief simple
	clear detailed general local popular traditional famous typical recent modern small large
	big little high low first last next few several two three four five ten
	way ways thing things people person time times day days year years world life
	story stories essay poem article paragraph sentence sentences letter email post blog speech
	recipe guide tips tip advice steps step example examples summary overview explanation
	description introduction report review list questions question answer words word
	history culture food health education business family children school city country town
	village government market money water weather news book books song music sport sports
	english finnish indonesian thai turkish vietnamese bengali hindi swahili tamil urdu
	language languages reader readers beginner beginners
	instruction instructions text output response input prompt passage document title label
	task query request user assistant system
`)

// Modifiers that, after "the"/"this", point at a text the user is supposed to have.
var refModifiers = set(`given above following provided attached preceding aforementioned accompanying
	supplied quoted cited below previous foregoing enclosed included selected shown news`)

// Nouns for a text, after such a modifier ("the given text", "the following news article").
var textNouns = set(`text texts passage passages excerpt excerpts extract extracts article articles
	paragraph paragraphs document documents snippet snippets content input story report essay piece
	sentence sentences context information data material details transcript post review`)

// Nouns that name a text even after a bare "this" or "these" ("this passage").
var strongTextNouns = set(`text texts passage passages excerpt excerpts extract article paragraph
	paragraphs document snippet`)

// Words after a text noun that point back at it ("the text above", "the passage provided").
var postModifiers = set(`above below provided given shown presented supplied here itself quoted
	attached`)

// Words after "text" that make it a compound or another sense ("text message", "the text
// of the anthem", "the text for a card").
var textCompounds = set(`of for message messages messaging file files editor editors box boxes
	book books field fields mining format formatting size font fonts color colour wrap
	alignment art`)

// Verbs of the author's discourse ("what does the author argue").
var discourseVerbs = set(`argue argues argued claim claims claimed say says said mention mentions
	mentioned describe describes described suggest suggests suggested think thinks believe
	believes mean means meant want wants use uses used express expresses expressed feel feels
	intend intends intended discuss discusses discussed conclude concludes concluded imply
	implies implied present presents presented try tries tried emphasize emphasizes highlight
	highlights`)

// Participles before "above" ("as described above").
var aboveVerbs = set(`mentioned described shown given provided presented stated written discussed
	listed quoted noted outlined explained cited`)

// Labels that, followed by a colon, echo a prompt template rather than make a request.
var labelWords = set(`text output response answer instruction instructions input prompt question
	document passage title label task query request example user assistant system`)

// Openings of a model's chatter around the instruction it was asked for.
var chatterPrefixes = []string{
	"sure,", "sure!", "sure.", "sure thing", "certainly,", "certainly!", "certainly.", "of course,",
	"of course!", "absolutely,", "absolutely!", "as an ai", "i'm sorry, but", "i am sorry, but",
	"the instruction:", "the instruction is", "the instruction could", "the instruction would",
	"the english instruction", "english instruction", "an instruction that", "an instruction for",
	"possible instruction", "one possible instruction", "a possible instruction",
}

// Words skipped at the start of a clause before its request word ("Please also list ...").
var fillerWords = set(`please kindly now also then and so but or just simply briefly first
	firstly second secondly next finally lastly additionally furthermore moreover hey hi hello
	quickly again`)

// What follows "I'm" in a first-person request ("I'm looking for ...").
var iAmDoing = set(`looking planning trying curious interested wondering writing preparing hoping
	going thinking considering searching`)
