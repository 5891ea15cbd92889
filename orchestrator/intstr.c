/*
 * intstr.c — IntOrString values scaled to a total (see intstr.h), with the
 * rounding of k8s.io/apimachinery's GetScaledValueFromIntOrPercent.
 */
#include "intstr.h"

#include <stdlib.h>
#include <string.h>

json_int_t intstr_scaled(const json_t *v, json_int_t total, int round_up, json_int_t dflt)
{
	if (json_is_integer(v))
		return json_integer_value(v);
	if (json_is_string(v)) {
		const char *s = json_string_value(v);
		long long pct = atoll(s);
		if (strchr(s, '%'))
			return round_up ? (total * pct + 99) / 100 : total * pct / 100;
		return pct;
	}
	return dflt;
}
