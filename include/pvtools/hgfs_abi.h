/* SPDX-License-Identifier: GPL-2.0 OR GPL-2.0-or-later */
/*
 * HGFS (host-guest file system) wire ABI, shared by the guest module and the
 * emulated host's HGFS server: opcodes, statuses, header and payload offsets.
 * Everything is little-endian and byte-packed; offsets of V3 payload fields
 * are relative to the payload start (packet offset 8 behind the legacy
 * header, HGFS_HEADER_V4_SIZE behind the V4 header).
 *
 * Facts: docs/protocol/hgfs.md (section labels given per block).
 */
#ifndef PVTOOLS_HGFS_ABI_H
#define PVTOOLS_HGFS_ABI_H

#include <linux/types.h>

/* RPCI command prefix of every request (docs/protocol/hgfs.md §1.3). */
#define HGFS_RPCI_COMMAND		"f"
#define HGFS_RPCI_PREFIX		"f "
#define HGFS_RPCI_PREFIX_LEN		2

/* Packet size limits (§1.5). */
#define HGFS_PACKET_MAX			6144u
#define HGFS_IO_MAX			4096u
#define HGFS_LARGE_PACKET_MAX		63488u	/* fits a 64 KiB guest message */
#define HGFS_HEADER_ALLOWANCE		2048u

/* Opcodes (§3.1). V1/V2 ops 0-23 carry their header inside the op struct. */
#define HGFS_OP_SERVER_LOCK_CHANGE	19u
#define HGFS_OP_OPEN_V3			24u
#define HGFS_OP_READ_V3			25u
#define HGFS_OP_WRITE_V3		26u
#define HGFS_OP_CLOSE_V3		27u
#define HGFS_OP_SEARCH_OPEN_V3		28u
#define HGFS_OP_SEARCH_READ_V3		29u
#define HGFS_OP_SEARCH_CLOSE_V3		30u
#define HGFS_OP_GETATTR_V3		31u
#define HGFS_OP_SETATTR_V3		32u
#define HGFS_OP_CREATE_DIR_V3		33u
#define HGFS_OP_DELETE_FILE_V3		34u
#define HGFS_OP_DELETE_DIR_V3		35u
#define HGFS_OP_RENAME_V3		36u
#define HGFS_OP_QUERY_VOLUME_INFO_V3	37u
#define HGFS_OP_CREATE_SYMLINK_V3	38u
#define HGFS_OP_SERVER_LOCK_CHANGE_V3	39u
#define HGFS_OP_WRITE_WIN32_STREAM_V3	40u
#define HGFS_OP_CREATE_SESSION_V4	41u
#define HGFS_OP_DESTROY_SESSION_V4	42u
#define HGFS_OP_MAX			65u
#define HGFS_OP_NEW_HEADER		0xffu	/* marker in word 1 of the V4 header */

/* Statuses (§4.1); the order is part of the wire protocol. */
#define HGFS_STATUS_SUCCESS			0u
#define HGFS_STATUS_NO_SUCH_FILE_OR_DIR		1u
#define HGFS_STATUS_INVALID_HANDLE		2u
#define HGFS_STATUS_OPERATION_NOT_PERMITTED	3u
#define HGFS_STATUS_FILE_EXISTS			4u
#define HGFS_STATUS_NOT_DIRECTORY		5u
#define HGFS_STATUS_DIR_NOT_EMPTY		6u
#define HGFS_STATUS_PROTOCOL_ERROR		7u
#define HGFS_STATUS_ACCESS_DENIED		8u
#define HGFS_STATUS_INVALID_NAME		9u
#define HGFS_STATUS_GENERIC_ERROR		10u
#define HGFS_STATUS_SHARING_VIOLATION		11u
#define HGFS_STATUS_NO_SPACE			12u
#define HGFS_STATUS_OPERATION_NOT_SUPPORTED	13u
#define HGFS_STATUS_NAME_TOO_LONG		14u
#define HGFS_STATUS_INVALID_PARAMETER		15u
#define HGFS_STATUS_NOT_SAME_DEVICE		16u
#define HGFS_STATUS_STALE_SESSION		17u
#define HGFS_STATUS_TOO_MANY_SESSIONS		18u
#define HGFS_STATUS_TRANSPORT_ERROR		19u

#define HGFS_INVALID_HANDLE		0xffffffffu

/* Legacy header (§2.2): id @0, op (request) / status (reply) @4. */
#define HGFS_HEADER_LEGACY_SIZE		8u

/* V4 header (§2.3). */
#define HGFS_HEADER_V4_SIZE		52u
#define HGFS_HEADER_VERSION_1		1u
#define HGFS_V4_OFF_VERSION		0u
#define HGFS_V4_OFF_DUMMY		4u
#define HGFS_V4_OFF_PACKET_SIZE		8u
#define HGFS_V4_OFF_HEADER_SIZE		12u
#define HGFS_V4_OFF_REQUEST_ID		16u
#define HGFS_V4_OFF_OP			20u
#define HGFS_V4_OFF_STATUS		24u
#define HGFS_V4_OFF_FLAGS		28u
#define HGFS_V4_OFF_INFORMATION		32u
#define HGFS_V4_OFF_SESSION_ID		36u
#define HGFS_V4_FLAG_REQUEST		0x1u
#define HGFS_V4_FLAG_REPLY		0x2u
#define HGFS_V4_NO_SESSION		0xffffffffffffffffull

/* Sessions (§2.6). */
#define HGFS_SESSION_MAXPACKETSIZE_VALID	0x1u
#define HGFS_CREATE_SESSION_REQ_MIN	12u
#define HGFS_CREATE_SESSION_REPLY_FIXED	28u
#define HGFS_CAPABILITY_SUPPORTED	0x1u

/* Scalar types (§3.2). */
#define HGFS_FILE_TYPE_REGULAR		0u
#define HGFS_FILE_TYPE_DIRECTORY	1u
#define HGFS_FILE_TYPE_SYMLINK		2u

#define HGFS_OPEN_MODE_READ_ONLY	0u
#define HGFS_OPEN_MODE_WRITE_ONLY	1u
#define HGFS_OPEN_MODE_READ_WRITE	2u
#define HGFS_OPEN_MODE_ACCMODES		3u
#define HGFS_OPEN_SEQUENTIAL		4u

#define HGFS_OPEN			0u
#define HGFS_OPEN_EMPTY			1u
#define HGFS_OPEN_CREATE		2u
#define HGFS_OPEN_CREATE_SAFE		3u
#define HGFS_OPEN_CREATE_EMPTY		4u

#define HGFS_WRITE_APPEND		1u
#define HGFS_FILE_NAME_USE_FILE_DESC	1u

#define HGFS_OPEN_VALID_MODE		(1u << 0)
#define HGFS_OPEN_VALID_FLAGS		(1u << 1)
#define HGFS_OPEN_VALID_SPECIAL_PERMS	(1u << 2)
#define HGFS_OPEN_VALID_OWNER_PERMS	(1u << 3)
#define HGFS_OPEN_VALID_GROUP_PERMS	(1u << 4)
#define HGFS_OPEN_VALID_OTHER_PERMS	(1u << 5)
#define HGFS_OPEN_VALID_FILE_NAME	(1u << 11)

#define HGFS_CREATE_DIR_VALID_SPECIAL_PERMS	(1u << 0)
#define HGFS_CREATE_DIR_VALID_OWNER_PERMS	(1u << 1)
#define HGFS_CREATE_DIR_VALID_GROUP_PERMS	(1u << 2)
#define HGFS_CREATE_DIR_VALID_OTHER_PERMS	(1u << 3)
#define HGFS_CREATE_DIR_VALID_FILE_NAME		(1u << 4)

#define HGFS_ATTR_HINT_SET_ACCESS_TIME	(1u << 0)
#define HGFS_ATTR_HINT_SET_WRITE_TIME	(1u << 1)
#define HGFS_RENAME_HINT_NO_REPLACE_EXISTING	(1u << 2)

/* HgfsAttrV2 (§3.3), 104 bytes. */
#define HGFS_ATTR_V2_SIZE		104u
#define HGFS_ATTR_OFF_MASK		0u
#define HGFS_ATTR_OFF_TYPE		8u
#define HGFS_ATTR_OFF_SIZE		12u
#define HGFS_ATTR_OFF_CREATE_TIME	20u
#define HGFS_ATTR_OFF_ACCESS_TIME	28u
#define HGFS_ATTR_OFF_WRITE_TIME	36u
#define HGFS_ATTR_OFF_CHANGE_TIME	44u
#define HGFS_ATTR_OFF_SPECIAL_PERMS	52u
#define HGFS_ATTR_OFF_OWNER_PERMS	53u
#define HGFS_ATTR_OFF_GROUP_PERMS	54u
#define HGFS_ATTR_OFF_OTHER_PERMS	55u
#define HGFS_ATTR_OFF_FLAGS		56u
#define HGFS_ATTR_OFF_ALLOCATION_SIZE	64u
#define HGFS_ATTR_OFF_USER_ID		72u
#define HGFS_ATTR_OFF_GROUP_ID		76u
#define HGFS_ATTR_OFF_FILE_ID		80u
#define HGFS_ATTR_OFF_VOLUME_ID		88u
#define HGFS_ATTR_OFF_EFFECTIVE_PERMS	92u

#define HGFS_ATTR_VALID_TYPE		(1u << 0)
#define HGFS_ATTR_VALID_SIZE		(1u << 1)
#define HGFS_ATTR_VALID_CREATE_TIME	(1u << 2)
#define HGFS_ATTR_VALID_ACCESS_TIME	(1u << 3)
#define HGFS_ATTR_VALID_WRITE_TIME	(1u << 4)
#define HGFS_ATTR_VALID_CHANGE_TIME	(1u << 5)
#define HGFS_ATTR_VALID_SPECIAL_PERMS	(1u << 6)
#define HGFS_ATTR_VALID_OWNER_PERMS	(1u << 7)
#define HGFS_ATTR_VALID_GROUP_PERMS	(1u << 8)
#define HGFS_ATTR_VALID_OTHER_PERMS	(1u << 9)
#define HGFS_ATTR_VALID_FLAGS		(1u << 10)
#define HGFS_ATTR_VALID_ALLOCATION_SIZE	(1u << 11)
#define HGFS_ATTR_VALID_USERID		(1u << 12)
#define HGFS_ATTR_VALID_GROUPID		(1u << 13)
#define HGFS_ATTR_VALID_FILEID		(1u << 14)
#define HGFS_ATTR_VALID_VOLID		(1u << 15)
#define HGFS_ATTR_VALID_EFFECTIVE_PERMS	(1u << 17)

/* HgfsFileNameV3 (§3.4): length @0, flags @4, caseType @8, fid @12, name @16. */
#define HGFS_NAME_V3_SIZE		17u	/* counts the one-byte name placeholder */
#define HGFS_NAME_V3_HDR		16u

/* Directory entry in SEARCH_READ_V3 replies (§3.6.6). */
#define HGFS_DIRENT_SIZE		128u
#define HGFS_DIRENT_OFF_ATTR		4u
#define HGFS_DIRENT_OFF_NAME		108u

/* NT time of the Unix epoch, in 100 ns units (§5.9). */
#define HGFS_NT_UNIX_EPOCH		116444736000000000ull

#endif /* PVTOOLS_HGFS_ABI_H */
