/*
 * The inner guests' "operating system": a multiboot (v1) kernel that writes one
 * byte to every 4 KiB page of its RAM from 2 MiB up, at RATE MiB per second
 * (the last number on its command line, paced by the CMOS clock's seconds; 0 or
 * none: as fast as it can), then halts.  Under QEMU this makes the domain's
 * memory grow at a known rate after libvirt has started it, which is what a
 * guest that fills its node looks like from the host.
 *
 *   as --32 -o toucher.o toucher.S && ld -m elf_i386 -Ttext=0x100000 -o toucher toucher.o
 *   <os><type>hvm</type><kernel>/path/toucher</kernel><cmdline>24</cmdline></os>
 */
	.code32
	.text
	.globl	_start
	.align	4
mb_header:
	.long	0x1BADB002			/* multiboot magic */
	.long	0x00000002			/* ask for the memory fields */
	.long	-(0x1BADB002 + 0x00000002)

_start:
	cli
	mov	8(%ebx), %ebp			/* mem_upper: KiB above 1 MiB */
	shl	$10, %ebp
	add	$0x100000, %ebp			/* ebp: end of RAM */
	xor	%edx, %edx			/* edx: rate, MiB/s */
	testl	$4, (%ebx)			/* is there a command line? */
	jz	parsed
	mov	16(%ebx), %esi
	xor	%ecx, %ecx			/* ecx: the number being read */
next_char:
	movzbl	(%esi), %eax
	inc	%esi
	sub	$'0', %eax
	cmp	$9, %eax
	ja	not_digit
	imul	$10, %ecx, %ecx
	add	%eax, %ecx
	jmp	next_char
not_digit:
	test	%ecx, %ecx
	jz	1f
	mov	%ecx, %edx			/* the last number wins */
	xor	%ecx, %ecx
1:	cmpb	$0, -1(%esi)
	jne	next_char
parsed:
	shl	$8, %edx			/* pages per second */
	mov	$0x200000, %edi
one_second:
	mov	%edx, %ecx			/* pages left in this second */
touch:
	cmp	%ebp, %edi
	jae	done
	movb	$0x5a, (%edi)
	add	$4096, %edi
	test	%edx, %edx
	jz	touch
	dec	%ecx
	jnz	touch
	xor	%eax, %eax			/* wait for the RTC's seconds to change */
	out	%al, $0x70
	in	$0x71, %al
	mov	%al, %bl
2:	xor	%eax, %eax
	out	%al, $0x70
	in	$0x71, %al
	cmp	%al, %bl
	je	2b
	jmp	one_second
done:
	hlt
	jmp	done
