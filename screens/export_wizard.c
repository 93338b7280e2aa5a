#include "config.h"
#include <stdlib.h>
#include "screens/app.h"
#include "ui/ui.h"

struct ui_screen *
export_wizard_new(struct app *app)
{
	(void)app;
	abort();
}
