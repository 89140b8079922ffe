// Package stats holds the statistics side of the NRM: statistical disclosure control of
// published counts (sdc.go), the CTDC reference dataset reader (ctdc.go) and the HTCDS v2.0
// field catalogue (htcds.go). It is pure computation over values handed to it: it reads no
// case data itself.
package stats

import "sort"

// DefaultK is the threshold below which a count of persons is not published when the
// jurisdiction sets none: a cell counting 1 to DefaultK-1 persons is suppressed.
const DefaultK = 5

// ChildK is the threshold for cells describing children. It applies whatever k the
// jurisdiction configures: a lower k (or k = 1, no suppression at all) never lowers it, a
// higher k raises it.
const ChildK = 5

// Suppression says why a published value is withheld.
type Suppression uint8

const (
	// Shown: the value is published.
	Shown Suppression = iota
	// Primary: the value itself counts fewer than k persons (1 ≤ n < k).
	Primary
	// Secondary: the value is not small itself but is withheld so that a primary one
	// cannot be derived from the totals (complementary suppression).
	Secondary
)

// Cell is one published value. When Suppressed is true Count is always 0: the withheld
// number never leaves Suppress, so no renderer can leak it by mistake.
type Cell struct {
	Count      int
	Suppressed bool
	Why        Suppression
}

// Value returns the published count and whether it is shown.
func (c Cell) Value() (int, bool) { return c.Count, !c.Suppressed }

// Table is a two-dimensional frequency table of persons: Counts[i][j] counts the persons
// in row i and column j. Counts must be non-negative and rectangular (len(Rows) rows of
// len(Cols) counts). ChildRows/ChildCols (optional, same length as Rows/Cols) mark the
// rows or columns that describe children: any cell in such a row or column, and such a
// row's or column's total, is withheld below max(k, ChildK).
type Table struct {
	Rows, Cols []string
	Counts     [][]int
	ChildRows  []bool
	ChildCols  []bool
}

// Published is a Table after disclosure control. It keeps the table's shape: Cells[i][j]
// for each row and column, the row totals, the column totals and the grand total.
type Published struct {
	Rows, Cols []string
	Cells      [][]Cell
	RowTotals  []Cell
	ColTotals  []Cell
	Total      Cell
	// K is the threshold used for adults' cells; ChildK applies to children's.
	K int
}

// List is a one-dimensional frequency list (a list of counts with their total). Child
// marks the items describing children (optional, same length as Labels).
type List struct {
	Labels []string
	Counts []int
	Child  []bool
}

// PublishedList is a List after disclosure control.
type PublishedList struct {
	Labels []string
	Cells  []Cell
	Total  Cell
	K      int
}

// Suppress applies statistical disclosure control to t with threshold k (k ≤ 0 means
// DefaultK).
//
// Primary suppression withholds every count n with 0 < n < k (k raised to ChildK in a
// children's row or column) — the inner cells, and also the row totals, column totals and
// grand total, which count persons too. Zeros are never suppressed: a zero is treated as a
// structural zero (nobody in that group), and publishing it reveals no individual. A zero
// is only withheld in the rare case where it is the sole possible complement (see below).
//
// Secondary (complementary) suppression then makes sure no withheld value can be worked
// out from the published ones. The table with its margins is a (rows+1)×(cols+1) grid in
// which every row and every column is an equation (the cells add up to the total). Two
// rules are applied until nothing changes:
//
//  1. every row and column of the grid that holds a withheld value holds at least two:
//     the complement is the smallest non-zero published cell of that line, or the line's
//     total when no cell qualifies;
//  2. no withheld value is determined by any combination of the equations. With the
//     margins as an extra row and column, the equations form the incidence system of the
//     bipartite graph rows↔columns whose edges are the withheld values, and a value is
//     determined exactly when its edge is a bridge of that graph (no cycle through it).
//     Rule 1 alone leaves such bridges, e.g. two withheld 2×2 blocks joined by one withheld
//     cell, which the sum of two rows minus two columns reveals. A bridge is broken by
//     withholding the smallest non-zero published value whose row lies on one side of the
//     bridge and whose column on the other, which closes a cycle through it.
//
// Known limit: the control is against exact derivation. With counts known to be
// non-negative, a withheld value can still be bounded (a withheld pair summing to 3 is
// each at most 3); that is the usual cell-suppression guarantee, not an interval one.
func Suppress(t Table, k int) Published {
	if k <= 0 {
		k = DefaultK
	}
	kc := k
	if kc < ChildK {
		kc = ChildK
	}
	R, C := len(t.Rows), len(t.Cols)
	child := func(flags []bool, i int) bool { return i < len(flags) && flags[i] }

	// The grid: inner cells, row totals in column C, column totals in row R, grand total
	// at (R, C).
	g := newGrid(R+1, C+1)
	for i := 0; i < R; i++ {
		for j := 0; j < C; j++ {
			n := 0
			if i < len(t.Counts) && j < len(t.Counts[i]) {
				n = t.Counts[i][j]
			}
			g.v[i][j] = n
			g.v[i][C] += n
			g.v[R][j] += n
			g.v[R][C] += n
		}
	}
	for i := 0; i <= R; i++ {
		for j := 0; j <= C; j++ {
			thr := k
			if (i < R && child(t.ChildRows, i)) || (j < C && child(t.ChildCols, j)) {
				thr = kc
			}
			if n := g.v[i][j]; n > 0 && n < thr {
				g.why[i][j] = Primary
			}
		}
	}
	if R > 0 && C > 0 {
		g.protect()
	}

	p := Published{Rows: t.Rows, Cols: t.Cols, K: k}
	p.Cells = make([][]Cell, R)
	for i := range p.Cells {
		p.Cells[i] = make([]Cell, C)
		for j := range p.Cells[i] {
			p.Cells[i][j] = g.cell(i, j)
		}
	}
	p.RowTotals = make([]Cell, R)
	for i := range p.RowTotals {
		p.RowTotals[i] = g.cell(i, C)
	}
	p.ColTotals = make([]Cell, C)
	for j := range p.ColTotals {
		p.ColTotals[j] = g.cell(R, j)
	}
	p.Total = g.cell(R, C)
	return p
}

// SuppressList applies the same control to a one-dimensional list: primary suppression
// of each count (and of the total) with 0 < n < k (ChildK at least for children's items),
// then, if exactly one value of the equation "items add up to the total" is withheld, the
// smallest non-zero published item is withheld too, or the total when there is none.
func SuppressList(l List, k int) PublishedList {
	if k <= 0 {
		k = DefaultK
	}
	kc := k
	if kc < ChildK {
		kc = ChildK
	}
	n := len(l.Labels)
	// A list is a grid of one row: the same rules apply, and the column equations (one
	// item each, equal to itself) say nothing, so only the row matters.
	g := newGrid(1, n+1)
	for j := 0; j < n; j++ {
		if j < len(l.Counts) {
			g.v[0][j] = l.Counts[j]
		}
		g.v[0][n] += g.v[0][j]
	}
	for j := 0; j <= n; j++ {
		thr := k
		if j < n && j < len(l.Child) && l.Child[j] {
			thr = kc
		}
		if c := g.v[0][j]; c > 0 && c < thr {
			g.why[0][j] = Primary
		}
	}
	if n > 0 {
		for g.completeLine(g.rowLine(0)) {
		}
	}
	p := PublishedList{Labels: l.Labels, K: k, Cells: make([]Cell, n)}
	for j := range p.Cells {
		p.Cells[j] = g.cell(0, j)
	}
	p.Total = g.cell(0, n)
	return p
}

// grid is the working table: values and why each is withheld.
type grid struct {
	r, c int
	v    [][]int
	why  [][]Suppression
}

func newGrid(r, c int) *grid {
	g := &grid{r: r, c: c, v: make([][]int, r), why: make([][]Suppression, r)}
	for i := range g.v {
		g.v[i] = make([]int, c)
		g.why[i] = make([]Suppression, c)
	}
	return g
}

func (g *grid) cell(i, j int) Cell {
	if g.why[i][j] != Shown {
		return Cell{Suppressed: true, Why: g.why[i][j]}
	}
	return Cell{Count: g.v[i][j]}
}

type pos struct{ i, j int }

// rowLine and colLine list a line's positions, its total last.
func (g *grid) rowLine(i int) []pos {
	l := make([]pos, g.c)
	for j := range l {
		l[j] = pos{i, j}
	}
	return l
}

func (g *grid) colLine(j int) []pos {
	l := make([]pos, g.r)
	for i := range l {
		l[i] = pos{i, j}
	}
	return l
}

func (g *grid) hidden(p pos) bool { return g.why[p.i][p.j] != Shown }

// completeLine applies rule 1 to one line; it reports whether it withheld a value.
func (g *grid) completeLine(line []pos) bool {
	var only pos
	count := 0
	for _, p := range line {
		if g.hidden(p) {
			only = p
			count++
		}
	}
	if count != 1 {
		return false
	}
	total := line[len(line)-1]
	var members []pos
	for _, p := range line[:len(line)-1] {
		if p != only {
			members = append(members, p)
		}
	}
	best, ok := g.smallest(members, true)
	if !ok && only != total {
		best, ok = total, true
	}
	if !ok {
		// Only zeros left to pair with: withhold the smallest of them.
		best, ok = g.smallest(members, false)
	}
	if !ok {
		return false // a line of one value: nothing to pair with
	}
	g.why[best.i][best.j] = Secondary
	return true
}

// smallest returns the published position with the smallest value (non-zero if nonZero),
// the first in line order on ties.
func (g *grid) smallest(ps []pos, nonZero bool) (pos, bool) {
	var best pos
	found := false
	for _, p := range ps {
		if g.hidden(p) || (nonZero && g.v[p.i][p.j] == 0) {
			continue
		}
		if !found || g.v[p.i][p.j] < g.v[best.i][best.j] {
			best, found = p, true
		}
	}
	return best, found
}

// protect applies rules 1 and 2 until stable. Each pass withholds at least one more value
// or stops, so it ends.
func (g *grid) protect() {
	for {
		changed := false
		for i := 0; i < g.r; i++ {
			for g.completeLine(g.rowLine(i)) {
				changed = true
			}
		}
		for j := 0; j < g.c; j++ {
			for g.completeLine(g.colLine(j)) {
				changed = true
			}
		}
		if changed {
			continue
		}
		if !g.breakBridge() {
			return
		}
	}
}

// breakBridge finds one withheld value that the equations determine (a bridge in the
// rows↔columns graph of withheld values) and withholds a complement closing a cycle
// through it. It reports whether it changed anything.
func (g *grid) breakBridge() bool {
	// Vertices: rows 0..r-1, columns r..r+c-1. Edges: withheld values.
	for i := 0; i < g.r; i++ {
		for j := 0; j < g.c; j++ {
			if !g.hidden(pos{i, j}) {
				continue
			}
			side := g.reach(i, pos{i, j})
			if side[g.r+j] {
				continue // another path joins row i and column j: not a bridge
			}
			// A published value in a row on the column's side and a column on the row's
			// side closes a cycle through the bridge. With rule 1 applied both sides hold
			// more than the bridge's end, so there is one; and none is withheld already,
			// or the two sides would be joined.
			colSide := g.reach(g.r+j, pos{i, j})
			var closing []pos
			for ii := 0; ii < g.r; ii++ {
				for jj := 0; jj < g.c; jj++ {
					if colSide[ii] && side[g.r+jj] {
						closing = append(closing, pos{ii, jj})
					}
				}
			}
			best, ok := g.smallest(closing, true)
			if !ok {
				best, ok = g.smallest(closing, false)
			}
			if !ok {
				continue
			}
			g.why[best.i][best.j] = Secondary
			return true
		}
	}
	return false
}

// reach returns the vertices reachable from start over withheld values, not using skip.
func (g *grid) reach(start int, skip pos) []bool {
	seen := make([]bool, g.r+g.c)
	seen[start] = true
	stack := []int{start}
	for len(stack) > 0 {
		x := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if x < g.r {
			for j := 0; j < g.c; j++ {
				if y := g.r + j; !seen[y] && g.hidden(pos{x, j}) && (pos{x, j}) != skip {
					seen[y] = true
					stack = append(stack, y)
				}
			}
		} else {
			j := x - g.r
			for i := 0; i < g.r; i++ {
				if !seen[i] && g.hidden(pos{i, j}) && (pos{i, j}) != skip {
					seen[i] = true
					stack = append(stack, i)
				}
			}
		}
	}
	return seen
}

// SuppressedCount returns how many values of p (cells and totals) are withheld.
func (p Published) SuppressedCount() int {
	n := 0
	for _, row := range p.Cells {
		for _, c := range row {
			if c.Suppressed {
				n++
			}
		}
	}
	for _, c := range p.RowTotals {
		if c.Suppressed {
			n++
		}
	}
	for _, c := range p.ColTotals {
		if c.Suppressed {
			n++
		}
	}
	if p.Total.Suppressed {
		n++
	}
	return n
}

// sortedKeys returns m's keys in order (used by the aggregates).
func sortedKeys(m map[string]int) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}
