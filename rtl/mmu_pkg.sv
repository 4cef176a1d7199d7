// Types and pure functions shared by the MMU RTL: the AArch64 VMSAv8-64 stage-1 formats of
// model/arch (4 KB granule, 48-bit VA and PA, 16-bit ASID). Every encoding below matches the
// C++ enum of the same meaning, so the lock-step checkers compare the raw values.
package mmu_pkg;

  // Address and identifier widths.
  parameter int unsigned VaBits   = 48;
  parameter int unsigned PaBits   = 48;
  parameter int unsigned AsidBits = 16;
  parameter int unsigned VpnBits  = VaBits - 12;  // va[47:12]
  parameter int unsigned PpnBits  = PaBits - 12;  // pa[47:12]

  // Page sizes a TLB can hold (mmusim::PageSize): page shift 12, 16, 21, 30.
  typedef enum logic [1:0] {
    Size4K  = 2'd0,
    Size64K = 2'd1,
    Size2M  = 2'd2,
    Size1G  = 2'd3
  } page_size_e;

  // arch::AccessKind.
  typedef enum logic [1:0] {
    AccRead  = 2'd0,
    AccWrite = 2'd1,
    AccFetch = 2'd2
  } access_e;

  // arch::ExceptionLevel.
  typedef enum logic {
    PrivEl0 = 1'b0,
    PrivEl1 = 1'b1
  } priv_el_e;

  // arch::FaultKind.
  typedef enum logic [2:0] {
    FaultNone        = 3'd0,
    FaultAddressSize = 3'd1,
    FaultTranslation = 3'd2,
    FaultAccessFlag  = 3'd3,
    FaultPermission  = 3'd4,
    FaultAlignment   = 3'd5,
    FaultExternal    = 3'd6
  } fault_e;

  // arch::MemType, decoded from a MAIR_EL1 attribute byte.
  typedef enum logic [2:0] {
    MemNormalWb     = 3'd0,
    MemNormalWt     = 3'd1,
    MemNormalNc     = 3'd2,
    MemDevNGnRnE    = 3'd3,
    MemDevNGnRE     = 3'd4,
    MemDevNGRE      = 3'd5,
    MemDevGRE       = 3'd6
  } mem_type_e;

  // arch::Ap, AP[2:1].
  typedef enum logic [1:0] {
    ApPrivRw = 2'b00,
    ApRw     = 2'b01,
    ApPrivRo = 2'b10,
    ApRo     = 2'b11
  } ap_e;

  // TLB maintenance (TLBI) kinds.
  typedef enum logic [1:0] {
    InvVaAsid = 2'd0,  // TLBI VAE1: entries for the VA with the ASID, and global entries
    InvVa     = 2'd1,  // TLBI VAAE1: entries for the VA, any ASID
    InvAsid   = 2'd2,  // TLBI ASIDE1: non-global entries of the ASID
    InvAll    = 2'd3   // TLBI VMALLE1
  } tlb_inv_e;

  // Effective permissions of a leaf (arch::Permissions).
  typedef struct packed {
    ap_e  ap;
    logic pxn;
    logic uxn;
  } perm_t;

  // Hierarchical controls accumulated from table descriptors (arch::TableAttrs).
  typedef struct packed {
    logic no_el0;     // APTable[0]
    logic read_only;  // APTable[1]
    logic pxn;        // PXNTable
    logic uxn;        // UXNTable
  } table_attrs_t;

  // A translation: what the walker produces and a TLB entry holds (mmusim::TlbEntry without
  // the timing field). Page-number bits below the page size are zero.
  typedef struct packed {
    logic [VpnBits-1:0]  vpn;
    logic [PpnBits-1:0]  ppn;
    page_size_e          size;
    logic [1:0]          level;     // lookup level of the leaf descriptor
    logic [AsidBits-1:0] asid;
    logic                is_global; // nG == 0: matches every ASID
    logic [2:0]          attr_idx;  // MAIR_EL1 index
    mem_type_e           mem_type;  // MAIR attribute decoded when the walk completed
    perm_t               perm;
  } tlb_entry_t;

  // Log2 of the bytes mapped by a page of `size`. This and vpn_mask use a plain case: it is full
  // (every page_size_e value, default included), so `unique` would check nothing, yet with
  // --assert Verilator evaluates that check at every call, i.e. for every TLB entry compared.
  function automatic int unsigned page_shift(page_size_e size);
    case (size)
      Size4K:  return 12;
      Size64K: return 16;
      Size2M:  return 21;
      default: return 30;
    endcase
  endfunction

  // Width of a port carrying a way index of a TLB with `ways` ways: at least 2 bits, so that the
  // port's type in the SystemC Verilation (uint32_t; a 1-bit port would be bool) does not
  // depend on the geometry.
  function automatic int unsigned way_port_bits(int unsigned ways);
    return $clog2(ways) > 2 ? $clog2(ways) : 2;
  endfunction

  // Page-number mask of `size`: the va[47:12] bits that name the page.
  function automatic logic [VpnBits-1:0] vpn_mask(page_size_e size);
    case (size)
      Size4K:  return {VpnBits{1'b1}};
      Size64K: return {{(VpnBits - 4){1'b1}}, 4'b0};
      Size2M:  return {{(VpnBits - 9){1'b1}}, 9'b0};
      default: return {{(VpnBits - 18){1'b1}}, 18'b0};
    endcase
  endfunction

  // Memory type of a MAIR_EL1 attribute byte (arch::decode_mair_attr().type): Device when the
  // outer half is zero, else from the inner half; 0xf0 is Tagged Normal write-back.
  function automatic mem_type_e mair_mem_type(logic [7:0] attr);
    if (attr[7:4] == 4'b0000) begin
      unique case (attr[3:2])
        2'b00:   return MemDevNGnRnE;
        2'b01:   return MemDevNGnRE;
        2'b10:   return MemDevNGRE;
        default: return MemDevGRE;
      endcase
    end
    if (attr == 8'hf0) return MemNormalWb;
    unique case (attr[3:2])
      2'b00:   return MemNormalWt;  // write-through transient (0b0000 is ill-formed)
      2'b01:   return (attr[1:0] == 2'b00) ? MemNormalNc : MemNormalWb;
      2'b10:   return MemNormalWt;
      default: return MemNormalWb;
    endcase
  endfunction

  function automatic logic ap_el0(ap_e ap);
    return ap == ApRw || ap == ApRo;
  endfunction

  function automatic logic ap_read_only(ap_e ap);
    return ap == ApPrivRo || ap == ApRo;
  endfunction

  // arch::apply_table_attrs: APTable[0] removes EL0 access, APTable[1] write access, XNTable
  // forces execute-never (Arm ARM D8.4.2).
  function automatic perm_t apply_table_attrs(perm_t perm, table_attrs_t t);
    perm_t out;
    logic  el0;
    logic  ro;
    el0 = ap_el0(perm.ap) & ~t.no_el0;
    ro  = ap_read_only(perm.ap) | t.read_only;
    out.ap  = ap_e'({ro, el0});
    out.pxn = perm.pxn | t.pxn;
    out.uxn = perm.uxn | t.uxn;
    return out;
  endfunction

  // arch::permits (Arm ARM D8.4.1): EL0 data accesses need AP[1]; writes need AP[2] clear; EL0
  // fetches need UXN clear; EL1 fetches need PXN clear and the region not writable at EL0.
  function automatic logic permits(perm_t perm, access_e acc, priv_el_e el);
    logic el0;
    el0 = (el == PrivEl0);
    unique case (acc)
      AccRead:  return ~el0 | ap_el0(perm.ap);
      AccWrite: return ~ap_read_only(perm.ap) & (~el0 | ap_el0(perm.ap));
      default: begin
        if (el0) return ~perm.uxn;
        return ~perm.pxn & ~(ap_el0(perm.ap) & ~ap_read_only(perm.ap));
      end
    endcase
  endfunction

  // ESR_EL1 of a fault (arch::FaultSyndrome::esr): EC, IL = 1, WnR and the fault status code.
  // External aborts here are always on a walk (the RTL does not make the final access).
  function automatic logic [31:0] esr(fault_e kind, logic [1:0] level, access_e acc,
                                      priv_el_e el);
    logic [5:0] fsc;
    logic [5:0] ec;
    unique case (kind)
      FaultAddressSize: fsc = {4'b0000, level};
      FaultTranslation: fsc = {4'b0001, level};
      FaultAccessFlag:  fsc = {4'b0010, level};
      FaultPermission:  fsc = {4'b0011, level};
      FaultAlignment:   fsc = 6'b100001;
      FaultExternal:    fsc = {4'b0101, level};
      default:          fsc = 6'b000000;
    endcase
    if (acc == AccFetch) ec = (el == PrivEl0) ? 6'h20 : 6'h21;
    else                 ec = (el == PrivEl0) ? 6'h24 : 6'h25;
    if (kind == FaultNone) return '0;
    return {ec, 1'b1, 18'b0, (acc == AccWrite), fsc};
  endfunction

endpackage
