# A scrolled form's "(more above)" and "(more below)" have rows of their
# own: in no golden screen, in any language, do they cover a line of the
# form (ui/form.c reserves the rows; before, the marks were drawn over the
# last and first visible lines).
. "$top_srcdir/tests/cli/lib.sh"
G=$top_srcdir/tests/ui/golden
marks='\((more above|more below|plus haut|plus bas|hierboven|hieronder)\)'
n=$(grep -rlE "$marks" "$G" | wc -l)
[ "$n" -gt 3 ]
ok $? "the goldens show scrolled forms ($n screens, three languages)"
covered=$(grep -rnE "$marks" "$G" | grep -vE ":[0-9]+: *($marks) *\$" |
    sed "s|^$G/||")
is "$covered" "" "every mark stands alone on its row"
done_testing
