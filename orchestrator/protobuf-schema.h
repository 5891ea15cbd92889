/*
 * protobuf-schema — the message tables protobuf.c decodes with: for each
 * message, its field numbers with their JSON names and how to read them.
 * Field numbers are the wire format of k8s.io/api (generated.proto).
 */
#ifndef BOSUN_ORCH_PROTOBUF_SCHEMA_H
#define BOSUN_ORCH_PROTOBUF_SCHEMA_H

#include <stddef.h>
#include <stdint.h>

enum pb_kind {
	PB_STRING,      /* string */
	PB_BYTES,       /* bytes → base64 string */
	PB_INT32,       /* varint, int32 */
	PB_INT64,       /* varint, int64 */
	PB_BOOL,        /* varint, bool */
	PB_MSG,         /* nested message → JSON object */
	PB_INLINE,      /* embedded Go struct: its fields land in the parent */
	PB_MAP_STR,     /* map<string,string> */
	PB_MAP_BYTES,   /* map<string,bytes> → values base64 */
	PB_MAP_QTY,     /* map<string,Quantity> → values strings */
	PB_QUANTITY,    /* resource.Quantity → its string */
	PB_INTORSTR,    /* intstr.IntOrString → number or string */
	PB_TIME,        /* metav1.Time → RFC 3339 string */
};

/* Field flags. */
#define PB_REPEATED 1u  /* JSON array of the values */
#define PB_KEEPZERO 2u  /* a Go pointer: a zero value that was sent is kept */

struct pb_message;

struct pb_field {
	uint32_t num;
	const char *name;
	uint8_t kind;
	uint8_t flags;
	const struct pb_message *msg;   /* PB_MSG and PB_INLINE */
};

struct pb_message {
	const char *name;
	const struct pb_field *fields;
	size_t nfields;
};

/* The top-level kinds: apiVersion and kind of the runtime.Unknown. */
struct pb_root {
	const char *api_version;
	const char *kind;
	const struct pb_message *msg;
};

/* NULL when the kind is not in the tables. */
const struct pb_root *pb_schema_root(const char *api_version, const char *kind);

#endif
