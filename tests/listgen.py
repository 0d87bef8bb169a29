"""Seeded generators of realistic customer lists, in several styles, for the canary tests.

    make_list(style, n, seed) -> list[dict[str, str]]

Written independently of trustkeep (it shares nothing with trustkeep.canaries or
trustkeep.demo.synthetic), so that a test of the canary generator does not
grade it against its own assumptions. Every value is a plaintext string; ""
means missing. Emails are unique within a list (case-insensitive).

Styles:

- us_consumer: US names, webmail, US phones and ZIP codes, birth_date.
- uk_consumer: UK names (double-barrelled tail), webmail, UK mobiles and
  landlines, UK postcodes (a little messy: lower case, no space).
- de_fr_consumer: 60 % German and 40 % French rows, umlauts and accents
  transliterated in emails, German and French phones, 5-digit codes (some
  German codes lost their leading zero in a spreadsheet), birth_date.
- business: B2B contacts at company domains; each company has one address
  pattern (first.last, flast, f.last, ...), nicknames and a few legacy or
  initials addresses, some webmail; US office phones with extensions.

What makes them realistic rather than uniform: Zipf-like name frequencies
with a long tail of rare names, about 70 % name-derived emails in consumer
lists (first.last, firstlast, flast, first_last + 2 digits, first + birth
year, handles such as "sunnyday77" or "mike_the_biker", a few capitalised),
clustered postal codes, signup dates with growth, seasonality and campaign
days, loyalty tiers skewed and correlated with tenure, a few percent of
empty optional fields.
"""

from __future__ import annotations

import random
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import ClassVar, Generic, TypeVar

STYLES = ("us_consumer", "uk_consumer", "de_fr_consumer", "business")
BASE_COLUMNS = (
    "email",
    "first_name",
    "last_name",
    "phone",
    "postal_code",
    "signup_date",
    "loyalty_tier",
)
BIRTH_DATE_STYLES = ("us_consumer", "de_fr_consumer")

T = TypeVar("T")


def columns(style: str) -> tuple[str, ...]:
    """The columns of a list in `style`, in order."""
    _check_style(style)
    if style in BIRTH_DATE_STYLES:
        return (*BASE_COLUMNS[:5], "birth_date", *BASE_COLUMNS[5:])
    return BASE_COLUMNS


def make_list(style: str, n: int, seed: int) -> list[dict[str, str]]:
    """`n` customers in `style`; the same (style, n, seed) gives the same list."""
    _check_style(style)
    if n < 0:
        raise ValueError(f"n must be >= 0, got {n}")
    rng = random.Random(f"listgen:{style}:{seed}")
    return _BUILDERS[style](rng).rows(n)


def _check_style(style: str) -> None:
    if style not in STYLES:
        raise ValueError(f"unknown style {style!r}; expected one of {', '.join(STYLES)}")


# --------------------------------------------------------------------------- sampling


class Weighted(Generic[T]):
    """A categorical distribution over `items`."""

    def __init__(self, pairs: Sequence[tuple[T, float]]) -> None:
        self.items = [item for item, _ in pairs]
        total = 0.0
        self.cum: list[float] = []
        for _, weight in pairs:
            total += weight
            self.cum.append(total)

    def pick(self, rng: random.Random) -> T:
        return rng.choices(self.items, cum_weights=self.cum)[0]


def zipf(items: Sequence[T], s: float, q: float = 1.0) -> Weighted[T]:
    """Rank r (from 1) gets weight 1 / (r + q) ** s."""
    return Weighted([(item, 1.0 / (rank + 1 + q) ** s) for rank, item in enumerate(items)])


def _words(text: str) -> list[str]:
    return text.split()


def _names(text: str) -> list[str]:
    """Comma-separated names, duplicates dropped, order (= frequency rank) kept."""
    out: list[str] = []
    for raw in text.split(","):
        name = " ".join(raw.split())
        if name and name not in out:
            out.append(name)
    return out


def _compose(prefixes: str, suffixes: str, exclude: Sequence[str]) -> list[str]:
    taken = set(exclude)
    out = []
    for prefix in prefixes.split():
        for suffix in suffixes.split():
            name = prefix + suffix
            if name not in taken:
                taken.add(name)
                out.append(name)
    return out


# --------------------------------------------------------------------------- names

US_FIRST = _names("""
James, Mary, Michael, Jennifer, John, Linda, Robert, Patricia, David, Elizabeth, William, Susan,
Richard, Jessica, Joseph, Sarah, Thomas, Karen, Christopher, Lisa, Charles, Nancy, Daniel, Sandra,
Matthew, Ashley, Anthony, Emily, Mark, Donna, Steven, Michelle, Andrew, Carol, Joshua, Amanda,
Kevin, Melissa, Brian, Deborah, George, Stephanie, Timothy, Rebecca, Ryan, Laura, Jason, Sharon,
Jeffrey, Cynthia, Jacob, Kathleen, Gary, Amy, Nicholas, Angela, Eric, Shirley, Jonathan, Brenda,
Stephen, Emma, Larry, Anna, Justin, Pamela, Scott, Nicole, Brandon, Samantha, Benjamin, Katherine,
Samuel, Christine, Gregory, Helen, Alexander, Debra, Patrick, Rachel, Frank, Carolyn, Raymond,
Janet, Jack, Maria, Dennis, Catherine, Jerry, Heather, Tyler, Diane, Aaron, Olivia, Jose, Julie,
Adam, Joyce, Nathan, Victoria, Henry, Ruth, Zachary, Virginia, Douglas, Lauren, Peter, Kelly,
Kyle, Christina, Noah, Joan, Ethan, Evelyn, Jeremy, Judith, Walter, Andrea, Christian, Hannah,
Keith, Megan, Roger, Cheryl, Terry, Jacqueline, Austin, Martha, Sean, Madison, Gerald, Teresa,
Carl, Gloria, Harold, Sara, Dylan, Janice, Arthur, Ann, Lawrence, Kathryn, Jordan, Abigail,
Jesse, Sophia, Bryan, Frances, Billy, Jean, Bruce, Alice, Gabriel, Judy, Logan, Isabella, Alan,
Grace, Juan, DeShawn, Tanisha, Luis, Carmen
""")

US_LAST = _names("""
Smith, Johnson, Williams, Brown, Jones, Garcia, Miller, Davis, Rodriguez, Martinez, Hernandez,
Lopez, Gonzalez, Wilson, Anderson, Thomas, Taylor, Moore, Jackson, Martin, Lee, Perez, Thompson,
White, Harris, Sanchez, Clark, Ramirez, Lewis, Robinson, Walker, Young, Allen, King, Wright,
Scott, Torres, Nguyen, Hill, Flores, Green, Adams, Nelson, Baker, Hall, Rivera, Campbell,
Mitchell, Carter, Roberts, Gomez, Phillips, Evans, Turner, Diaz, Parker, Cruz, Edwards, Collins,
Reyes, Stewart, Morris, Morales, Murphy, Cook, Rogers, Gutierrez, Ortiz, Morgan, Cooper,
Peterson, Bailey, Reed, Kelly, Howard, Ramos, Kim, Cox, Ward, Richardson, Watson, Brooks, Chavez,
Wood, James, Bennett, Gray, Mendoza, Ruiz, Hughes, Price, Alvarez, Castillo, Sanders, Patel,
Myers, Long, Ross, Foster, Jimenez, Powell, Jenkins, Perry, Russell, Sullivan, Bell, Coleman,
Butler, Henderson, Barnes, Gonzales, Fisher, Vasquez, Simmons, Romero, Jordan, Patterson,
Alexander, Hamilton, Graham, Reynolds, Griffin, Wallace, Moreno, West, Cole, Hayes, Bryant,
Herrera, Gibson, Ellis, Tran, Medina, Aguilar, Stevens, Murray, Ford, Castro, Marshall, Owens,
Harrison, Fernandez, McDonald, Woods, Washington, Kennedy, Wells, Vargas, O'Brien, Chen,
Freeman, Webb, Tucker, Guzman, Burns, Crawford, Olson, Simpson, Porter, Hunter, Gordon
""")

UK_FIRST = _names("""
Oliver, Olivia, George, Amelia, Harry, Isla, Jack, Ava, Jacob, Emily, Charlie, Sophie, Thomas,
Grace, Oscar, Mia, William, Poppy, James, Ella, David, Susan, John, Margaret, Paul, Sarah, Andrew,
Helen, Mark, Claire, Richard, Emma, Peter, Karen, Michael, Julie, Stephen, Nicola, Ian, Lisa,
Christopher, Rachel, Daniel, Joanne, Robert, Louise, Matthew, Lucy, Simon, Jennifer, Gary, Laura,
Alan, Hannah, Martin, Rebecca, Neil, Gemma, Graham, Victoria, Steven, Kelly, Lee, Samantha,
Jason, Catherine, Craig, Elizabeth, Kevin, Amy, Philip, Jessica, Anthony, Charlotte, Colin,
Alice, Keith, Jane, Nigel, Deborah, Stuart, Alison, Adrian, Fiona, Darren, Ruth, Wayne, Kirsty,
Dean, Natalie, Gavin, Zoe, Barry, Sian, Callum, Chloe, Ryan, Megan, Liam, Bethany, Connor, Holly,
Kieran, Jade, Jamie, Stacey, Aaron, Leanne, Luke, Katie, Adam, Abigail, Joshua, Eleanor,
Benjamin, Freya, Samuel, Evie, Alfie, Lily, Noah, Rosie, Leo, Phoebe, Archie, Florence, Henry,
Imogen, Arthur, Harriet, Freddie, Jasmine, Alexander, Ellie, Edward, Millie, Joseph, Erin,
Dylan, Maisie, Rhys, Carys, Owen, Niamh, Angus, Morag, Hamish, Siobhan, Declan, Aoife, Mohammed,
Aisha
""")

UK_LAST = _names("""
Smith, Jones, Taylor, Brown, Williams, Wilson, Johnson, Davies, Robinson, Wright, Thompson,
Evans, Walker, White, Roberts, Green, Hall, Wood, Jackson, Clarke, Patel, Khan, Lewis, James,
Phillips, Mason, Mitchell, Rose, Davis, Harris, Turner, Hughes, Edwards, Hill, Moore, Clark,
Harrison, Scott, Young, Morris, Martin, Cooper, King, Lee, Baker, Allen, Ward, Watson, Parker,
Morgan, Carter, Bennett, Shaw, Cook, Bailey, Griffiths, Richardson, Marshall, Simpson, Ellis,
Collins, Bell, Adams, Murphy, Price, Kelly, Stevens, Graham, Webb, Owen, Russell, Holmes, Mills,
Palmer, Lloyd, Fisher, Hunt, Hussain, Ali, Ahmed, Begum, Campbell, Stewart, Murray, MacDonald,
Reid, Ross, Fraser, Henderson, Paterson, Hamilton, Kerr, Gordon, Matthews, Knight, Chapman,
Pearson, Butler, Barker, Gibson, Dixon, Cox, Richards, Rees, Powell, Foster, Lawrence, Fox,
Howard, Atkinson, Barnes, Dawson, Jenkins, Lawson, Holland, Gray, Spencer, Pearce, Hudson,
Burton, Harvey, Sutton, Payne, Hart, Perry, Rowe, Wells, Newman, Saunders, Marsh, Hopkins,
Doyle, Byrne, O'Connor, O'Neill, Quinn, Barrett, Hayes, Dean, Fletcher, Gill, Lamb, Hodgson,
Booth, Sharp, Kaur, Singh, Chambers, Francis, Tucker, Atkins, Parry, Morton, Reynolds, Bird
""")

DE_FIRST = _names("""
Thomas, Sabine, Michael, Susanne, Andreas, Petra, Stefan, Claudia, Christian, Nicole, Peter,
Andrea, Markus, Stefanie, Frank, Katrin, Klaus, Monika, Wolfgang, Anja, Jürgen, Birgit, Uwe,
Julia, Martin, Ursula, Matthias, Sandra, Alexander, Gabriele, Tobias, Karin, Daniel, Heike, Jan,
Anna, Sebastian, Laura, Florian, Lisa, Jens, Katharina, Dirk, Christina, Torsten, Melanie, Sven,
Lena, Holger, Sarah, Bernd, Jana, Ralf, Kerstin, Jörg, Silke, Lukas, Sophie, Felix, Lea,
Maximilian, Hannah, Jonas, Marie, Leon, Emma, Paul, Mia, Tim, Johanna, Niklas, Franziska,
Philipp, Ute, Dieter, Renate, Hans, Ingrid, Manfred, Helga, Günter, Brigitte, Horst, Elke, Heinz,
Doris, Karl, Christa, Gerhard, Angelika, Rainer, Martina, Oliver, Tanja, Patrick, Simone, Marco,
Daniela, Kai, Nadine, Dennis, Jessica, Benjamin, Vanessa, Fabian, Jennifer, Dominik, Carina,
Moritz, Luisa, Elias, Clara, Finn, Leonie, Jannik, Charlotte, Till, Greta, Henrik, Ida, Björn,
Svenja, Lars, Inga, Malte, Wiebke, Ole, Frauke, Hauke, Antje, Rüdiger, Gisela, Volker, Marion,
Norbert, Hildegard, Detlef, Erika, Axel, Ilse, Reinhard, Anke, Hartmut, Bettina, Carsten, Ines,
Mehmet, Ayse, Karl-Heinz, Hans-Peter
""")

DE_LAST = _names("""
Müller, Schmidt, Schneider, Fischer, Weber, Meyer, Wagner, Becker, Schulz, Hoffmann, Schäfer,
Koch, Bauer, Richter, Klein, Wolf, Schröder, Neumann, Schwarz, Zimmermann, Braun, Krüger,
Hofmann, Hartmann, Lange, Schmitt, Werner, Schmitz, Krause, Meier, Lehmann, Schmid, Schulze,
Maier, Köhler, Herrmann, König, Walter, Mayer, Huber, Kaiser, Fuchs, Peters, Lang, Scholz,
Möller, Weiß, Jung, Hahn, Schubert, Vogel, Friedrich, Keller, Günther, Frank, Berger, Winkler,
Roth, Beck, Lorenz, Baumann, Franke, Albrecht, Schuster, Simon, Ludwig, Böhm, Winter, Kraus,
Martin, Schumacher, Krämer, Vogt, Stein, Jäger, Otto, Sommer, Groß, Seidel, Heinrich, Brandt,
Haas, Schreiber, Graf, Schulte, Dietrich, Ziegler, Kuhn, Kühn, Pohl, Engel, Horn, Busch,
Bergmann, Thomas, Voigt, Sauer, Arnold, Wolff, Pfeiffer, Lindner, Ernst, Hübner, Kramer, Franz,
Beyer, Fiedler, Voß, Dittrich, Brinkmann, Petersen, Jansen, Hansen, Thiel, Kessler, Büttner,
Wendt, Förster, Yilmaz, Kaya, Nowak, Schwab, Marx, Hein, Scholl, Böttcher, Kurz, Wiese, Ahrens,
von Berg, Lutz, Ebert, Kirchner, Frey, Rieger, Sander, Menzel, Stahl, Sieber, Witt, Haase,
Kolb, Reuter, Schilling, Krug, Zander, Kruse, Jakob, Michel, Heck, Nagel, Bock
""")

FR_FIRST = _names("""
Jean, Marie, Pierre, Nathalie, Michel, Isabelle, Philippe, Sylvie, Alain, Catherine, Nicolas,
Sophie, Christophe, Valérie, Patrick, Christine, Laurent, Sandrine, Frédéric, Véronique,
Stéphane, Céline, Éric, Anne, David, Julie, Julien, Stéphanie, Thomas, Aurélie, Sébastien,
Caroline, Olivier, Émilie, François, Camille, Jacques, Françoise, Daniel, Monique, Bernard,
Martine, Thierry, Nicole, Pascal, Brigitte, Didier, Dominique, Chantal, Bruno, Hélène, Franck,
Élodie, Vincent, Laure, Antoine, Manon, Alexandre, Léa, Maxime, Chloé, Romain, Sarah, Guillaume,
Laura, Mathieu, Pauline, Hugo, Emma, Lucas, Inès, Louis, Jade, Gabriel, Louise, Arthur, Alice,
Jules, Lina, Raphaël, Zoé, Léo, Juliette, Adam, Margaux, Théo, Clara, Nathan, Océane, Baptiste,
Mathilde, Quentin, Justine, Kevin, Marion, Jérôme, Audrey, Yves, Jacqueline, Gérard, Claude,
Danielle, René, Colette, Serge, Annie, Gilles, Agnès, Hervé, Corinne, Fabrice, Virginie, Cédric,
Delphine, Arnaud, Mélanie, Benoît, Charlotte, Damien, Lucie, Jean-Pierre, Marie-Claire,
Jean-Luc, Anne-Sophie, Jean-Marc, Marie-Christine, Loïc, Gaëlle, Yann, Morgane, Mehdi, Yasmine,
Karim, Nadia, Samuel, Elisa, Benjamin, Lola, Mathis, Anaïs, Florian, Amandine, Jordan, Coralie,
Mickaël, Sabrina
""")

FR_LAST = _names("""
Martin, Bernard, Thomas, Petit, Robert, Richard, Durand, Dubois, Moreau, Laurent, Simon, Michel,
Lefebvre, Leroy, Roux, David, Bertrand, Morel, Fournier, Girard, Bonnet, Dupont, Lambert,
Fontaine, Rousseau, Vincent, Muller, Lefèvre, Faure, André, Mercier, Blanc, Guérin, Boyer,
Garnier, Chevalier, François, Legrand, Gauthier, Garcia, Perrin, Robin, Clément, Morin, Nicolas,
Henry, Roussel, Mathieu, Gautier, Masson, Marchand, Duval, Denis, Dumont, Marie, Lemaire, Noël,
Meyer, Dufour, Meunier, Brun, Blanchard, Giraud, Joly, Rivière, Lucas, Brunet, Gaillard,
Barbier, Arnaud, Martinez, Gérard, Roche, Renard, Schmitt, Roy, Leroux, Colin, Vidal, Caron,
Picard, Roger, Fabre, Aubert, Lemoine, Renaud, Dumas, Lacroix, Olivier, Philippe, Bourgeois,
Pierre, Benoît, Rey, Leclerc, Payet, Rolland, Leclercq, Guillaume, Lecomte, Lopez, Jean, Dupuy,
Guillot, Hubert, Berger, Carpentier, Sanchez, Dupuis, Moulin, Louis, Deschamps, Huet, Vasseur,
Perez, Boucher, Fleury, Royer, Klein, Jacquet, Adam, Paris, Poirier, Marty, Aubry, Guyot,
Carré, Charles, Renault, Charpentier, Ménard, Maillard, Baron, Bertin, Bailly, Hervé, Schneider,
Fernandez, Le Gall, Collet, Léger, Bouvier, Julien, Prévost, Millet, Perrot, Daniel, Le Roux,
Cousin, Germain, Breton, Besson, Langlois, Rémy, Le Goff, Pelletier, Lévêque, Da Silva
""")

INTL_FIRST = _names("""
Priya, Rahul, Wei, Carlos, Sofia, Ahmed, Mei, Hiroshi, Ivan, Fatima, Raj, Lucia, Alejandro,
Yuki, Omar, Anil, Sunita, Jing, Kenji, Diego, Valentina, Mateo, Camila, Aisha, Olga, Dmitri,
Natasha, Sven, Ingrid, Lars, Anders, Kwame, Ama, Chinedu, Ngozi, Deepa, Vikram, Ananya, Arjun,
Hyun, Ji-woo, Minh, Linh, Tuan, Giulia, Marco, Francesca, Luca, Matteo, Aditya, Sanjay, Xin,
Hao, Min-jun, Seo-yeon, Tomasz, Agnieszka, Eitan, Noa, Leila
""")

INTL_LAST = _names("""
Patel, Shah, Gupta, Sharma, Singh, Kumar, Wang, Li, Zhang, Liu, Chen, Kim, Nguyen, Silva,
Rossi, Reddy, Rao, Yang, Huang, Zhao, Wu, Zhou, Tanaka, Suzuki, Sato, Watanabe, Nakamura, Park,
Choi, Tran, Pham, Le, Santos, Oliveira, Costa, Russo, Ferrari, Esposito, Bianchi, Romano,
Ivanov, Petrov, Kowalski, Nowak, Jensen, Nielsen, Andersen, Larsen, Okafor, Mensah, Haddad,
Hassan, Ali, Khan, Rahman, Cohen, Levi, Novak, Horvath, Popescu, Iyer, Menon
""")

EN_RARE_LAST = _compose(
    "Ash Black Brad Brook Cald Craw Dun Fair Gold Hart Hol Kirk Lang Mar Mid Mor Nor Pen Rad "
    "Red Ring Rut Stan Thorn Wes Whit Wood Ald Bran Chal",
    "by ford ham ley ton well wood worth field stead more dale wick croft",
    US_LAST + UK_LAST,
)
EN_RARE_FIRST = _compose(
    "Ja Ka Bra Ma Ky Lu Ry Ai Na Ja Bri Ta Ze Ro Ca Da Ad Ember Ash",
    "den lyn leigh son ra nna ley ton lee yah ric lan",
    US_FIRST + UK_FIRST,
)
DE_RARE_LAST = _compose(
    "Achen Birk Dorn Eich Falk Gold Hoh Kirch Lind Rosen Stein Wald Bren Ham Hel Leut Mar Ober "
    "Ried Sch\u00f6n",
    "bach berg mann hof feld hauser brunner meier stadt baum egger huber reiter gruber",
    DE_LAST,
)
DE_RARE_FIRST = _names("""
Wilhelmine, Gottfried, Eberhard, Hedwig, Siegfried, Irmgard, Waltraud, Ottokar, Roswitha,
Friedhelm, Lothar, Adelheid, Mechthild, Burkhard, Gudrun, Kunigunde, Ansgar, Wolfram, Edeltraud,
Hannelore, Hans-Jürgen, Klaus-Dieter, Anna-Lena, Eva-Maria, Lea-Sophie, Karl-Friedrich,
Marie-Luise, Jan-Hendrik, Hans-Joachim, Ann-Kathrin, Hermine, Eckhard, Reinhild, Ortwin,
Gerlinde, Dietmar, Waltraut, Sigrid, Rolf-Dieter, Heinz-Georg
""")
FR_RARE_LAST = _compose(
    "Beau Bel Bon Chab Chamb Dela Desch Fon Gar Lab Lam Lar Mar Mont Pel Ros Val Ver",
    "mont champ ard el ier ot oux eau in et elle ois ac",
    FR_LAST,
)
FR_RARE_FIRST = [
    f"{head}-{tail}"
    for head, tails in (
        ("Jean", "Baptiste Christophe Claude François Louis Michel Paul Philippe Yves Noël"),
        ("Marie", "Anne Hélène Laure Pierre Thérèse Noëlle Sophie Paule France Agnès"),
        ("Paul", "Henri Émile Antoine Louis"),
    )
    for tail in tails.split()
] + _names(
    "Aurèle, Bérénice, Clotilde, Eudes, Ghislain, Honorine, Isaure, Sixtine, Tanguy, Apolline"
)

UK_DOUBLE_BARREL_SHARE = 0.4  # of the UK rare last names

NICKNAMES = {
    "robert": ("bob", "rob"),
    "william": ("bill", "will"),
    "michael": ("mike",),
    "james": ("jim", "jamie"),
    "richard": ("rick", "rich"),
    "thomas": ("tom",),
    "christopher": ("chris",),
    "daniel": ("dan",),
    "matthew": ("matt",),
    "joseph": ("joe",),
    "anthony": ("tony",),
    "jennifer": ("jen", "jenny"),
    "elizabeth": ("liz", "beth"),
    "katherine": ("kate", "kathy"),
    "patricia": ("pat", "trish"),
    "steven": ("steve",),
    "stephen": ("steve",),
    "andrew": ("andy", "drew"),
    "jonathan": ("jon",),
    "benjamin": ("ben",),
    "samuel": ("sam",),
    "samantha": ("sam",),
    "alexander": ("alex",),
    "nicholas": ("nick",),
    "timothy": ("tim",),
    "gregory": ("greg",),
    "zachary": ("zach",),
    "jessica": ("jess",),
    "rebecca": ("becky",),
    "victoria": ("vicky", "tori"),
    "christina": ("tina",),
    "deborah": ("deb",),
    "edward": ("ed", "ted"),
    "lawrence": ("larry",),
    "douglas": ("doug",),
    "kathleen": ("kathy",),
    "raymond": ("ray",),
    "gerald": ("jerry",),
    "jeffrey": ("jeff",),
    "kenneth": ("ken",),
    "cynthia": ("cindy",),
    "susan": ("sue",),
    "pamela": ("pam",),
    "frederick": ("fred",),
}


@dataclass(frozen=True)
class NamePool:
    first: Weighted[str]
    last: Weighted[str]
    rare_first: Sequence[str]
    rare_last: Callable[[random.Random], str]
    rare_first_share: float
    rare_last_share: float

    def pick_first(self, rng: random.Random) -> str:
        if rng.random() < self.rare_first_share:
            return rng.choice(self.rare_first)
        return self.first.pick(rng)

    def pick_last(self, rng: random.Random) -> str:
        if rng.random() < self.rare_last_share:
            return self.rare_last(rng)
        return self.last.pick(rng)


def _pool(
    first: Sequence[str],
    last: Sequence[str],
    rare_first: Sequence[str],
    rare_last: Callable[[random.Random], str],
) -> NamePool:
    return NamePool(
        first=zipf(first, s=1.0, q=10.0),
        last=zipf(last, s=1.0, q=25.0),
        rare_first=rare_first,
        rare_last=rare_last,
        rare_first_share=0.04,
        rare_last_share=0.10,
    )


def _uk_rare_last(rng: random.Random) -> str:
    if rng.random() < UK_DOUBLE_BARREL_SHARE:
        a, b = rng.sample(UK_LAST[:80], 2)
        return f"{a}-{b}"
    return rng.choice(EN_RARE_LAST)


US_NAMES = _pool(US_FIRST, US_LAST, EN_RARE_FIRST, lambda rng: rng.choice(EN_RARE_LAST))
UK_NAMES = _pool(UK_FIRST, UK_LAST, EN_RARE_FIRST, _uk_rare_last)
DE_NAMES = _pool(DE_FIRST, DE_LAST, DE_RARE_FIRST, lambda rng: rng.choice(DE_RARE_LAST))
FR_NAMES = _pool(FR_FIRST, FR_LAST, FR_RARE_FIRST, lambda rng: rng.choice(FR_RARE_LAST))
INTL_NAMES = _pool(INTL_FIRST, INTL_LAST, EN_RARE_FIRST, lambda rng: rng.choice(EN_RARE_LAST))


# --------------------------------------------------------------------------- emails

HANDLE_ADJECTIVES = _words(
    "sunny happy blue red silver golden crazy lucky little big wild quiet cool sweet dark green "
    "brave lazy mighty rusty cosmic misty funky jolly snowy stormy urban retro sleepy tiny"
)
HANDLE_NOUNS = _words(
    "day fox bear cat dog rider river moon star tiger wolf dragon panda bee bird rose lily surfer "
    "hiker gamer chef dreamer runner biker coder rocker sky cloud ocean garden"
)
LOCALE_WORDS = {
    "us": _words("bball yankee cowboy texan buckeye hoosier"),
    "uk": _words("footie gooner brummie scouser cuppa biscuit"),
    "de": _words("sonnenschein mausi schatz blume fussball hase"),
    "fr": _words("soleil chouchou loulou papillon petitprince doudou"),
}

# Consumer address patterns and weights: 70 % name-derived, 30 % handles.
CONSUMER_PATTERNS = Weighted(
    [
        ("first.last", 20.0),
        ("firstlast", 10.0),
        ("flast", 7.0),
        ("f.last", 3.0),
        ("first_last", 3.0),
        ("first_last+dd", 4.0),
        ("first.last+dd", 4.0),
        ("firstlast+dd", 3.0),
        ("first+year", 6.0),
        ("first+dd", 3.0),
        ("last.first", 2.0),
        ("firstl", 1.0),
        ("name_handle", 4.0),
        ("handle", 30.0),
    ]
)
BUSINESS_COMPANY_PATTERNS = Weighted(
    [
        ("first.last", 55.0),
        ("flast", 20.0),
        ("f.last", 8.0),
        ("firstl", 5.0),
        ("first", 7.0),
        ("first_last", 5.0),
    ]
)
COMPANY_DOMAINS = _words(
    "acme-corp globex initech umbrella-labs hooli vandelay-industries stark-ind wayne-ent "
    "cyberdyne soylent tyrell-corp wonka-industries oscorp massive-dynamic aperture-science "
    "dunder-mifflin prestige-worldwide monarch-solutions northwind contoso fabrikam tailspin-toys "
    "adventure-works litware proseware woodgrove-bank alpine-ski-house coho-winery fourth-coffee "
    "lucerne-publishing margies-travel trey-research wide-world-importers wingtip-toys "
    "humongous-insurance blue-yonder-airlines city-power-light southridge-video "
    "consolidated-messenger relecloud datum-corp nod-publishers bluebird-logistics "
    "pinecrest-health harbor-analytics"
)


def _fold(name: str, german_umlauts: bool) -> str:
    """ASCII for an email: Müller -> mueller (German habit) or muller; O'Brien -> obrien."""
    text = name.lower()
    if german_umlauts:
        for a, b in (("ä", "ae"), ("ö", "oe"), ("ü", "ue")):
            text = text.replace(a, b)
    text = text.replace("ß", "ss")
    text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return "".join(c for c in text if c.isalnum() or c == "-")


def _email_name(name: str, rng: random.Random, german_umlauts: bool) -> str:
    folded = _fold(name, german_umlauts)
    if "-" in folded and rng.random() < 0.5:
        folded = folded.replace("-", "")
    return folded.strip("-") or "x"


def _two_digits(rng: random.Random, birth_year: int) -> str:
    roll = rng.random()
    if roll < 0.35:
        return f"{birth_year % 100:02d}"
    if roll < 0.45:
        return str(rng.randint(100, 999))
    number = rng.randint(1, 99)
    return f"{number:02d}" if rng.random() < 0.5 else str(number)


def _handle(rng: random.Random, locale: str) -> str:
    adjective = rng.choice(HANDLE_ADJECTIVES)
    pool = HANDLE_NOUNS + LOCALE_WORDS[locale]
    noun = rng.choice(pool)
    digits = str(rng.randint(1, 99)) if rng.random() < 0.6 else ""
    roll = rng.random()
    if roll < 0.45:
        return f"{adjective}{noun}{digits}"
    if roll < 0.65:
        return f"{adjective}_{noun}{digits}"
    if roll < 0.80:
        return f"{noun}{rng.randint(1, 9999)}"
    if roll < 0.90:
        return f"{noun}.{rng.choice(pool)}{digits}"
    return f"the{noun}{adjective}{digits}"


def _name_handle(rng: random.Random, first: str, locale: str) -> str:
    noun = rng.choice(HANDLE_NOUNS + LOCALE_WORDS[locale])
    roll = rng.random()
    if roll < 0.3:
        return f"{first}_the_{noun}"
    if roll < 0.6:
        return f"{first}{noun}{rng.randint(1, 99) if rng.random() < 0.5 else ''}"
    if roll < 0.8:
        return f"{rng.choice(HANDLE_ADJECTIVES)}{first}"
    return f"{first}.{noun}{rng.randint(1, 99)}"


def _consumer_local(rng: random.Random, f: str, ln: str, birth_year: int, locale: str) -> str:
    pattern = CONSUMER_PATTERNS.pick(rng)
    if pattern == "first.last":
        local = f"{f}.{ln}"
    elif pattern == "firstlast":
        local = f + ln
    elif pattern == "flast":
        local = f[0] + ln
    elif pattern == "f.last":
        local = f"{f[0]}.{ln}"
    elif pattern == "first_last":
        local = f"{f}_{ln}"
    elif pattern == "first_last+dd":
        local = f"{f}_{ln}{_two_digits(rng, birth_year)}"
    elif pattern == "first.last+dd":
        local = f"{f}.{ln}{_two_digits(rng, birth_year)}"
    elif pattern == "firstlast+dd":
        local = f"{f}{ln}{_two_digits(rng, birth_year)}"
    elif pattern == "first+year":
        local = f"{f}{birth_year}" if rng.random() < 0.65 else f"{f}{birth_year % 100:02d}"
    elif pattern == "first+dd":
        local = f"{f}{_two_digits(rng, birth_year)}"
    elif pattern == "last.first":
        local = f"{ln}.{f}"
    elif pattern == "firstl":
        local = f + ln[0]
    elif pattern == "name_handle":
        local = _name_handle(rng, f, locale)
    else:
        local = _handle(rng, locale)
    roll = rng.random()
    if roll < 0.035:
        local = ".".join(part.capitalize() for part in local.split("."))
    elif roll < 0.045:
        local = local.upper()
    return local


# --------------------------------------------------------------------------- phones

AREA_CODES_US = _words(
    "212 646 917 718 347 312 773 415 650 408 213 310 323 818 713 832 214 469 602 480 305 786 "
    "404 678 617 857 215 267 206 425 303 720 612 651 503 971 704 980 614 702 512 619 858"
)


def _digits(rng: random.Random, count: int) -> str:
    return "".join(rng.choice("0123456789") for _ in range(count))


def _us_phone(rng: random.Random, formats: Weighted[str], areas: Weighted[str]) -> str:
    area = areas.pick(rng)
    exchange = str(rng.randint(2, 9)) + _digits(rng, 2)
    line = _digits(rng, 4)
    return formats.pick(rng).format(a=area, e=exchange, n=line)


US_PHONE_FORMATS = Weighted(
    [
        ("({a}) {e}-{n}", 35.0),
        ("{a}-{e}-{n}", 30.0),
        ("{a}{e}{n}", 12.0),
        ("+1 {a} {e} {n}", 8.0),
        ("+1-{a}-{e}-{n}", 5.0),
        ("{a}.{e}.{n}", 6.0),
        ("1{a}{e}{n}", 4.0),
    ]
)
BUSINESS_PHONE_FORMATS = Weighted(
    [
        ("({a}) {e}-{n}", 30.0),
        ("{a}-{e}-{n}", 25.0),
        ("+1 {a} {e} {n}", 15.0),
        ("{a}.{e}.{n}", 10.0),
        ("+1 ({a}) {e}-{n}", 5.0),
        ("({a}) {e}-{n} x" + "{x}", 8.0),
        ("{a}-{e}-{n} ext. " + "{x}", 7.0),
    ]
)


def _business_phone(rng: random.Random, areas: Weighted[str]) -> str:
    area = areas.pick(rng)
    exchange = str(rng.randint(2, 9)) + _digits(rng, 2)
    fmt = BUSINESS_PHONE_FORMATS.pick(rng)
    extension = str(rng.randint(10, 9999))
    return fmt.format(a=area, e=exchange, n=_digits(rng, 4), x=extension)


def _uk_phone(rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.62:  # mobile
        number = "7" + rng.choice("123456789") + _digits(rng, 8)
        style = rng.random()
        if style < 0.55:
            return f"0{number[:4]} {number[4:]}"
        if style < 0.75:
            return f"+44 {number[:4]} {number[4:]}"
        if style < 0.9:
            return f"0{number}"
        return f"+44{number}"
    if roll < 0.78:  # London
        number = rng.choice("378") + _digits(rng, 7)
        return f"020 {number[:4]} {number[4:]}"
    area = rng.choice(["121", "131", "141", "151", "161", "113", "114", "117", "118", "115"])
    if rng.random() < 0.8:
        return f"0{area} {_digits(rng, 3)} {_digits(rng, 4)}"
    return f"+44 {area} {_digits(rng, 3)} {_digits(rng, 4)}"


def _de_phone(rng: random.Random) -> str:
    if rng.random() < 0.6:  # mobile
        prefix = rng.choice(["151", "152", "157", "160", "162", "170", "171", "172", "176", "177"])
        subscriber = _digits(rng, rng.choice([7, 8]))
        style = rng.random()
        if style < 0.5:
            return f"0{prefix} {subscriber}"
        if style < 0.75:
            return f"+49 {prefix} {subscriber}"
        if style < 0.9:
            return f"0{prefix}{subscriber}"
        return f"0{prefix}/{subscriber}"
    area = rng.choice(["30", "40", "89", "221", "69", "711", "211", "231", "201", "341", "351"])
    subscriber = _digits(rng, 9 - len(area) + rng.choice([-1, 0, 0, 1]))
    style = rng.random()
    if style < 0.45:
        return f"0{area} {subscriber}"
    if style < 0.65:
        return f"0{area}/{subscriber}"
    if style < 0.8:
        return f"(0{area}) {subscriber}"
    return f"+49 {area} {subscriber}"


def _fr_phone(rng: random.Random) -> str:
    first = rng.choice("67") if rng.random() < 0.7 else rng.choice("12345")
    number = first + _digits(rng, 8)
    pairs = " ".join(number[i : i + 2] for i in range(1, 9, 2))
    roll = rng.random()
    if roll < 0.5:
        return f"0{first} {pairs}"
    if roll < 0.65:
        return f"0{number}"
    if roll < 0.82:
        return f"+33 {first} {pairs}"
    if roll < 0.9:
        return f"+33{number}"
    return f"0{first}.{pairs.replace(' ', '.')}"


# --------------------------------------------------------------------------- postal codes

US_ZIP3 = _words(
    "100 101 102 104 112 113 606 607 941 940 900 902 770 752 850 331 303 021 191 981 802 554 "
    "972 282 432 787 921 891 606 117"
)
UK_AREAS = _words("SW SE N NW E W M B LS L G EH CF BS NE S NG OX CB BN RG GU KT CR BR")
UK_INWARD_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"
DE_ZIP2 = _words("10 12 13 20 22 80 81 50 51 60 70 40 01 04 30 90 28 44 45 53")
FR_HOME = (
    [f"750{i:02d}" for i in range(1, 21)]
    + [f"6900{i}" for i in range(1, 10)]
    + [f"130{i:02d}" for i in range(1, 17)]
    + _words(
        "31000 33000 44000 59000 67000 06000 34000 35000 92100 93200 94300 78000 91300 95100 "
        "38000 76000 21000 37000 87000 29200"
    )
)


def _clustered(
    rng: random.Random, home: Weighted[str], home_share: float, elsewhere: Callable[[], str]
) -> str:
    return home.pick(rng) if rng.random() < home_share else elsewhere()


def _us_zip_home(rng: random.Random, count: int, zip3: Sequence[str]) -> Weighted[str]:
    codes: list[str] = []
    while len(codes) < count:
        code = rng.choice(zip3) + f"{rng.randint(1, 99):02d}"
        if code not in codes:
            codes.append(code)
    return zipf(codes, s=0.9, q=2.0)


def _us_zip(rng: random.Random, home: Weighted[str]) -> str:
    code = _clustered(rng, home, 0.8, lambda: f"{rng.randint(5, 999):03d}{rng.randint(1, 99):02d}")
    if rng.random() < 0.06:
        code += f"-{rng.randint(1, 9999):04d}"
    return code


def _uk_outward_home(rng: random.Random, count: int) -> Weighted[str]:
    codes: list[str] = []
    while len(codes) < count:
        code = _uk_outward(rng)
        if code not in codes:
            codes.append(code)
    return zipf(codes, s=0.9, q=2.0)


def _uk_outward(rng: random.Random) -> str:
    area = rng.choice(UK_AREAS)
    if area in ("SW", "W", "EC", "WC") and rng.random() < 0.15:
        return f"{area}1{rng.choice('ABCHKPVWXY')}"
    top = 20 if len(area) == 1 else 30
    return f"{area}{rng.randint(1, top)}"


def _uk_postcode(rng: random.Random, home: Weighted[str]) -> str:
    outward = _clustered(rng, home, 0.85, lambda: _uk_outward(rng))
    inward = f"{rng.randint(0, 9)}{rng.choice(UK_INWARD_LETTERS)}{rng.choice(UK_INWARD_LETTERS)}"
    roll = rng.random()
    if roll < 0.04:
        return outward + inward
    if roll < 0.07:
        return f"{outward} {inward}".lower()
    return f"{outward} {inward}"


def _five_digit_home(rng: random.Random, prefixes: Sequence[str], count: int) -> Weighted[str]:
    codes: list[str] = []
    while len(codes) < count:
        code = rng.choice(prefixes) + _digits(rng, 3)
        if code not in codes:
            codes.append(code)
    return zipf(codes, s=0.8, q=3.0)


def _de_zip(rng: random.Random, home: Weighted[str]) -> str:
    code = _clustered(rng, home, 0.8, lambda: f"{rng.randint(1067, 99998):05d}")
    if code.startswith("0") and rng.random() < 0.15:
        return code[1:]  # a spreadsheet ate the leading zero
    return code


FR_HOME_WEIGHTED = zipf(FR_HOME, s=0.7, q=3.0)


def _fr_zip(rng: random.Random) -> str:
    def elsewhere() -> str:
        department = rng.choice([d for d in range(1, 96) if d != 20])
        return f"{department:02d}{rng.randint(0, 99):02d}0"

    return _clustered(rng, FR_HOME_WEIGHTED, 0.6, elsewhere)


# --------------------------------------------------------------------------- dates and tiers

MONTH_WEIGHTS = (1.15, 0.8, 0.9, 0.9, 1.0, 0.9, 0.85, 0.85, 0.95, 1.0, 1.5, 1.35)
TODAY = date(2025, 1, 1)


def _black_friday(year: int) -> date:
    november = date(year, 11, 1)
    first_friday = november + timedelta(days=(4 - november.weekday()) % 7)
    return first_friday + timedelta(weeks=3)


@dataclass(frozen=True)
class SignupDates:
    first_year: int
    last_year: int
    growth: float
    campaign_share: float
    weekday_bias: float  # probability of redrawing a weekend date

    def pick(self, rng: random.Random) -> date:
        years = list(range(self.first_year, self.last_year + 1))
        if rng.random() < self.campaign_share:
            year = rng.choices(years, weights=[self.growth**i for i in range(len(years))])[0]
            campaigns = [_black_friday(year), date(year, 1, 2), date(year, 6, 21)]
            return rng.choice(campaigns)
        while True:
            year = rng.choices(years, weights=[self.growth**i for i in range(len(years))])[0]
            month = rng.choices(range(1, 13), weights=MONTH_WEIGHTS)[0]
            start = date(year, month, 1)
            end = date(year + (month == 12), month % 12 + 1, 1)
            day = start + timedelta(days=rng.randrange((end - start).days))
            if day.weekday() < 5 or rng.random() >= self.weekday_bias:
                return day


def _birth_date(rng: random.Random) -> date:
    age = min(92.0, max(18.0, rng.gauss(43.0, 15.0)))
    year = TODAY.year - int(age)
    return date(year, 1, 1) + timedelta(days=rng.randrange(365))


CONSUMER_TIERS = (("bronze", 60.0), ("silver", 25.0), ("gold", 11.0), ("platinum", 4.0))
BUSINESS_TIERS = (("standard", 62.0), ("professional", 28.0), ("enterprise", 10.0))


def _tier(rng: random.Random, tiers: Sequence[tuple[str, float]], signup: date) -> str:
    tenure = (TODAY - signup).days / 365.25
    weights = [w * (1.0 + 0.15 * tenure) ** i for i, (_, w) in enumerate(tiers)]
    return rng.choices([t for t, _ in tiers], weights=weights)[0]


def _maybe(rng: random.Random, value: str, empty_share: float) -> str:
    return "" if rng.random() < empty_share else value


# --------------------------------------------------------------------------- styles


class _Builder:
    style = ""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.seen: set[str] = set()

    def rows(self, n: int) -> list[dict[str, str]]:
        return [self.row() for _ in range(n)]

    def row(self) -> dict[str, str]:
        raise NotImplementedError

    def unique_email(self, make: Callable[[], tuple[str, str]]) -> str:
        """Try `make()` -> (local, domain) a few times, then add digits as a provider would."""
        local, domain = make()
        for _ in range(4):
            if f"{local}@{domain}".lower() not in self.seen:
                break
            local, domain = make()
        base = local
        while f"{local}@{domain}".lower() in self.seen:
            local = f"{base}{self.rng.randint(1, 999)}"
        email = f"{local}@{domain}"
        self.seen.add(email.lower())
        return email


class _ConsumerBuilder(_Builder):
    empty_phone = 0.05
    empty_postal = 0.03
    empty_birth = 0.07
    empty_tier = 0.03
    signups = SignupDates(2016, 2024, growth=1.18, campaign_share=0.04, weekday_bias=0.0)

    def locale(self) -> str:
        raise NotImplementedError

    def names(self, locale: str) -> NamePool:
        raise NotImplementedError

    def domains(self, locale: str) -> Weighted[str]:
        raise NotImplementedError

    def phone(self, locale: str) -> str:
        raise NotImplementedError

    def postal(self, locale: str) -> str:
        raise NotImplementedError

    def row(self) -> dict[str, str]:
        rng = self.rng
        locale = self.locale()
        pool = self.names(locale)
        first, last = pool.pick_first(rng), pool.pick_last(rng)
        birth = _birth_date(rng)
        german = locale == "de" and rng.random() < 0.7
        domains = self.domains(locale)

        def make() -> tuple[str, str]:
            f = _email_name(first, rng, german)
            ln = _email_name(last, rng, german)
            return _consumer_local(rng, f, ln, birth.year, locale), domains.pick(rng)

        signup = self.signups.pick(rng)
        row = {
            "email": self.unique_email(make),
            "first_name": first,
            "last_name": last,
            "phone": _maybe(rng, self.phone(locale), self.empty_phone),
            "postal_code": _maybe(rng, self.postal(locale), self.empty_postal),
        }
        if "birth_date" in columns(self.style):
            row["birth_date"] = _maybe(rng, birth.isoformat(), self.empty_birth)
        row["signup_date"] = signup.isoformat()
        row["loyalty_tier"] = _maybe(rng, _tier(rng, CONSUMER_TIERS, signup), self.empty_tier)
        return row


class _USConsumer(_ConsumerBuilder):
    style = "us_consumer"
    DOMAINS = Weighted(
        [
            ("gmail.example", 45.0),
            ("yahoo.example", 18.0),
            ("outlook.example", 8.0),
            ("hotmail.example", 10.0),
            ("aol.example", 5.0),
            ("icloud.example", 8.0),
            ("comcast.example.net", 4.0),
            ("att.example.net", 2.0),
        ]
    )

    def __init__(self, rng: random.Random) -> None:
        super().__init__(rng)
        self.zips = _us_zip_home(rng, 150, US_ZIP3)
        self.areas = zipf(rng.sample(AREA_CODES_US, len(AREA_CODES_US)), s=1.0)

    def locale(self) -> str:
        return "us"

    def names(self, locale: str) -> NamePool:
        return US_NAMES

    def domains(self, locale: str) -> Weighted[str]:
        return self.DOMAINS

    def phone(self, locale: str) -> str:
        return _us_phone(self.rng, US_PHONE_FORMATS, self.areas)

    def postal(self, locale: str) -> str:
        return _us_zip(self.rng, self.zips)


class _UKConsumer(_ConsumerBuilder):
    style = "uk_consumer"
    DOMAINS = Weighted(
        [
            ("gmail.example", 35.0),
            ("hotmail.example.co.uk", 18.0),
            ("btinternet.example", 10.0),
            ("yahoo.example.co.uk", 10.0),
            ("outlook.example", 12.0),
            ("sky.example", 6.0),
            ("icloud.example", 6.0),
            ("virginmedia.example", 3.0),
        ]
    )

    def __init__(self, rng: random.Random) -> None:
        super().__init__(rng)
        self.outwards = _uk_outward_home(rng, 90)

    def locale(self) -> str:
        return "uk"

    def names(self, locale: str) -> NamePool:
        return UK_NAMES

    def domains(self, locale: str) -> Weighted[str]:
        return self.DOMAINS

    def phone(self, locale: str) -> str:
        return _uk_phone(self.rng)

    def postal(self, locale: str) -> str:
        return _uk_postcode(self.rng, self.outwards)


class _DEFRConsumer(_ConsumerBuilder):
    style = "de_fr_consumer"
    empty_phone = 0.08
    DOMAINS: ClassVar[dict[str, Weighted[str]]] = {
        "de": Weighted(
            [
                ("gmx.example", 28.0),
                ("web.example", 24.0),
                ("t-online.example", 14.0),
                ("gmail.example", 22.0),
                ("outlook.example", 6.0),
                ("yahoo.example", 4.0),
                ("posteo.example", 2.0),
            ]
        ),
        "fr": Weighted(
            [
                ("orange.example", 25.0),
                ("gmail.example", 32.0),
                ("free.example", 14.0),
                ("laposte.example", 9.0),
                ("hotmail.example", 14.0),
                ("sfr.example", 6.0),
            ]
        ),
    }

    def __init__(self, rng: random.Random) -> None:
        super().__init__(rng)
        self.de_zips = _five_digit_home(rng, DE_ZIP2, 160)

    def locale(self) -> str:
        return "de" if self.rng.random() < 0.6 else "fr"

    def names(self, locale: str) -> NamePool:
        return DE_NAMES if locale == "de" else FR_NAMES

    def domains(self, locale: str) -> Weighted[str]:
        return self.DOMAINS[locale]

    def phone(self, locale: str) -> str:
        return _de_phone(self.rng) if locale == "de" else _fr_phone(self.rng)

    def postal(self, locale: str) -> str:
        return _de_zip(self.rng, self.de_zips) if locale == "de" else _fr_zip(self.rng)


@dataclass(frozen=True)
class _Company:
    domain: str
    pattern: str


class _Business(_Builder):
    style = "business"
    WEBMAIL = Weighted(
        [("gmail.example", 60.0), ("outlook.example", 25.0), ("yahoo.example", 15.0)]
    )
    signups = SignupDates(2014, 2024, growth=1.12, campaign_share=0.0, weekday_bias=0.9)

    def __init__(self, rng: random.Random) -> None:
        super().__init__(rng)
        companies = [
            _Company(f"{name}.example", BUSINESS_COMPANY_PATTERNS.pick(rng))
            for name in rng.sample(COMPANY_DOMAINS, len(COMPANY_DOMAINS))
        ]
        self.companies = zipf(companies, s=1.0, q=1.0)
        self.zips = _us_zip_home(rng, 80, US_ZIP3[:12])
        self.areas = zipf(rng.sample(AREA_CODES_US, 20), s=0.8)

    def row(self) -> dict[str, str]:
        rng = self.rng
        pool = INTL_NAMES if rng.random() < 0.25 else US_NAMES
        first, last = pool.pick_first(rng), pool.pick_last(rng)
        if rng.random() < 0.08:  # freelancers and small shops on webmail
            birth_year = _birth_date(rng).year

            def make() -> tuple[str, str]:
                f = _email_name(first, rng, False)
                ln = _email_name(last, rng, False)
                return _consumer_local(rng, f, ln, birth_year, "us"), self.WEBMAIL.pick(rng)

        else:
            company = self.companies.pick(rng)

            def make() -> tuple[str, str]:
                return self._company_local(first, last, company.pattern), company.domain

        signup = self.signups.pick(rng)
        return {
            "email": self.unique_email(make),
            "first_name": first,
            "last_name": last,
            "phone": _maybe(rng, _business_phone(rng, self.areas), 0.03),
            "postal_code": _maybe(rng, _us_zip(rng, self.zips), 0.02),
            "signup_date": signup.isoformat(),
            "loyalty_tier": _maybe(rng, _tier(rng, BUSINESS_TIERS, signup), 0.01),
        }

    def _company_local(self, first: str, last: str, pattern: str) -> str:
        rng = self.rng
        f = _email_name(first, rng, False).replace("-", "")
        ln = _email_name(last, rng, False).replace("-", "")
        roll = rng.random()
        if roll < 0.04 and f in NICKNAMES:
            f = rng.choice(NICKNAMES[f])
        elif roll < 0.05:  # initials, e.g. an old mainframe login
            return f"{f[0]}{rng.choice('abcdefghjklmnprstw')}{ln[0]}"
        elif roll < 0.06:  # a legacy username
            return f"{f[0]}{ln[:6]}{rng.randint(1, 9)}"
        if pattern == "first.last":
            return f"{f}.{ln}"
        if pattern == "flast":
            return f[0] + ln
        if pattern == "f.last":
            return f"{f[0]}.{ln}"
        if pattern == "firstl":
            return f + ln[0]
        if pattern == "first":
            return f
        return f"{f}_{ln}"

    def unique_email(self, make: Callable[[], tuple[str, str]]) -> str:
        local, domain = make()
        if f"{local}@{domain}".lower() in self.seen and "." in local and len(local) > 3:
            # a second John Smith at the company: john.a.smith
            head, _, tail = local.partition(".")
            local = f"{head}.{self.rng.choice('abcdefghjklmnprstw')}.{tail}"
        base, top = local, 9
        while f"{local}@{domain}".lower() in self.seen:
            local = f"{base}{self.rng.randint(2, top)}"
            top += 1
        email = f"{local}@{domain}"
        self.seen.add(email.lower())
        return email


_BUILDERS: dict[str, Callable[[random.Random], _Builder]] = {
    "us_consumer": _USConsumer,
    "uk_consumer": _UKConsumer,
    "de_fr_consumer": _DEFRConsumer,
    "business": _Business,
}
